/*
 * Giving memory back to the system once the server is idle (src/server/memory-release.ts).
 *
 * After a burst (thousands of connections, floods, large frames) the V8 heap keeps the pages it
 * grew into, and glibc keeps the freed memory of Node's buffers in its arenas: the resident set
 * stays at its high-water mark. V8 gives its pages back on a low-memory notification (a full,
 * compacting collection that also shrinks the young generation), and glibc on malloc_trim. Node
 * offers neither to JavaScript.
 *
 * releaseMemory(): undefined
 */
#include <node_api.h>
#include <v8.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

extern "C" napi_value natter_release_memory(napi_env env, napi_callback_info) {
  v8::Isolate *isolate = v8::Isolate::GetCurrent();
  if (isolate != nullptr) isolate->LowMemoryNotification();
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  return undefined;
}
