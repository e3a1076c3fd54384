/*
 * Giving memory back to the system once the server is idle (src/server/memory-release.ts).
 *
 * After a burst (thousands of connections, floods, large frames) the V8 heap keeps the pages it
 * grew into, and glibc keeps the freed memory of Node's buffers in its arenas: the resident set
 * stays at its high-water mark. V8 gives its pages back on a low-memory notification (full,
 * compacting collections that also shrink the young generation), and glibc on malloc_trim. Node
 * offers neither to JavaScript.
 *
 * A module of its own, apart from the fan-out (native/fanout.c): it needs a C++ compiler, and
 * it uses V8's C++ API, so it is built for one version of Node; where it cannot be built or
 * loaded, only the memory release is missing.
 *
 * releaseMemory(collect: boolean): undefined
 *   collect: run the V8 collection (it pauses the process for as long as a full collection of
 *   the heap takes); the allocator is trimmed either way.
 */
#include <node_api.h>
#include <v8.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

static napi_value release_memory(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  bool collect = false;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) == napi_ok && argc >= 1) {
    napi_get_value_bool(env, argv[0], &collect);
  }
  v8::Isolate *isolate = v8::Isolate::GetCurrent();
  if (collect && isolate != nullptr) isolate->LowMemoryNotification();
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  return undefined;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "releaseMemory", NAPI_AUTO_LENGTH, release_memory, nullptr,
                           &fn) != napi_ok ||
      napi_set_named_property(env, exports, "releaseMemory", fn) != napi_ok) {
    return nullptr;
  }
  return exports;
}
