/*
 * The native half of the room fan-out (docs/DEVELOPING.md, "The write path").
 *
 * A room message goes to every member as the same bytes. Written through Node's streams, each
 * member costs a stream write, a write request object and a write(2) through the VFS; this sends
 * the one buffer to a list of sockets in a single call, with send(2), which is measurably cheaper
 * per socket on Linux. It never blocks and never queues: each socket takes what it takes at once,
 * and the caller hands any remainder (or the whole buffer, on an error) to the socket's stream,
 * which then owns the ordering, the queue limit and the error handling as usual.
 *
 * sendAll(fds: Int32Array, count: number, data: Uint8Array, results: Int32Array): number
 *   results[i] = bytes taken by fds[i], or -errno; returns how many took all of `data`.
 *
 * The same addon parks idle sockets (native/park.c), whose writes go out through sendAll too.
 */
#include <errno.h>
#include <node_api.h>
#include "park.h"
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* macOS: Node ignores SIGPIPE, so EPIPE is returned anyway */
#endif

static int typed_array(napi_env env, napi_value value, napi_typedarray_type want, void **data,
                       size_t *length) {
  bool is_typed = false;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return 0;
  napi_typedarray_type type;
  if (napi_get_typedarray_info(env, value, &type, length, data, NULL, NULL) != napi_ok) return 0;
  return type == want;
}

static napi_value send_all(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 4) {
    napi_throw_type_error(env, NULL, "sendAll(fds, count, data, results)");
    return NULL;
  }
  void *fds_data, *data, *results_data;
  size_t fds_length, data_length, results_length;
  uint32_t count;
  if (!typed_array(env, argv[0], napi_int32_array, &fds_data, &fds_length) ||
      napi_get_value_uint32(env, argv[1], &count) != napi_ok ||
      !typed_array(env, argv[2], napi_uint8_array, &data, &data_length) ||
      !typed_array(env, argv[3], napi_int32_array, &results_data, &results_length) ||
      count > fds_length || count > results_length || data_length > INT32_MAX) {
    napi_throw_type_error(env, NULL, "sendAll(fds: Int32Array, count, data: Uint8Array, results: Int32Array)");
    return NULL;
  }
  const int32_t *fds = fds_data;
  int32_t *results = results_data;
  uint32_t complete = 0;
  for (uint32_t i = 0; i < count; i++) {
    ssize_t sent;
    do {
      sent = send(fds[i], data, data_length, MSG_DONTWAIT | MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    results[i] = sent >= 0 ? (int32_t)sent : -errno;
    if (sent >= 0 && (size_t)sent == data_length) complete++;
  }
  napi_value out;
  napi_create_uint32(env, complete, &out);
  return out;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "sendAll", NAPI_AUTO_LENGTH, send_all, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "sendAll", fn) != napi_ok ||
      !park_export(env, exports)) {
    return NULL;
  }
  return exports;
}
