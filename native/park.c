/*
 * Parking idle sockets (docs/DEVELOPING.md, "Parking idle sockets").
 *
 * An idle registered client costs a whole net.Socket: its JS objects, its stream states, its
 * listeners, a TCPWrap and a libuv handle, about 2 KB in all. Most clients of a chat server are
 * idle most of the time. Parking keeps only the descriptor: the JS side dups it here, drops the
 * net.Socket (the dup keeps the connection open, the peer sees nothing) and this file watches
 * the dup in an epoll set of its own. When the client sends anything (data, FIN, a reset), the
 * descriptor is reported once and the JS side makes a net.Socket of it again. Writes to a parked
 * client go out with sendAll (native/fanout.c) on the descriptor itself.
 *
 * The epoll set is one descriptor in Node's loop: a single uv_poll_t, unref'd so that parked
 * clients never keep the process alive (Node's own sockets do not either, once the server has
 * closed). Each reported descriptor is removed from the set before JS hears of it, so it is never
 * reported twice and a client that is not woken at once cannot make the loop spin.
 *
 * Linux only (epoll). Elsewhere nothing is exported and the JS side does not park.
 *
 * parkInit(onReady: (fds: Int32Array) => void): undefined   starts watching (throws if it cannot)
 * parkStop(): undefined     stops watching and closes the epoll set
 * park(fd): number          the dup watched for input, or -errno
 * unpark(fd): number        0, or -errno (a descriptor not in the set is not an error)
 * closeParked(fd): number   unwatches and closes the dup; 0, or -errno
 */
#include "park.h"

#ifdef __linux__

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <uv.h>

/* Descriptors handled per readiness: more wait for the next turn of the loop (level-triggered). */
#define READY_MAX 256

/*
 * One per environment (the main thread, each worker that loads the addon). The epoll set and
 * its poll handle exist between parkInit and parkStop: a process whose servers have all stopped
 * holds no descriptor of parking's.
 */
typedef struct {
  napi_env env;
  int epfd; /* -1 while stopped */
  uv_poll_t *poll;
  napi_ref on_ready;
  napi_async_context async_context;
} park_state;

static park_state *state_of(napi_env env) {
  void *data = NULL;
  if (napi_get_instance_data(env, &data) != napi_ok) return NULL;
  return data;
}

static void free_handle(uv_handle_t *handle) { free(handle); }

/*
 * Stops watching: the poll handle is closed (libuv frees it on its next turn), the epoll set
 * closed. Descriptors still parked are the JS side's to close; the set no longer watches them.
 */
static void stop_state(napi_env env, park_state *state) {
  if (state->poll != NULL) {
    uv_poll_stop(state->poll);
    uv_close((uv_handle_t *)state->poll, free_handle);
    state->poll = NULL;
  }
  if (state->epfd >= 0) close(state->epfd);
  state->epfd = -1;
  if (state->on_ready != NULL) napi_delete_reference(env, state->on_ready);
  state->on_ready = NULL;
  if (state->async_context != NULL) napi_async_destroy(env, state->async_context);
  state->async_context = NULL;
}

/* The environment is going away. */
static void finalize_state(napi_env env, void *data, void *hint) {
  (void)hint;
  park_state *state = data;
  /* References cannot be deleted while the environment is torn down: only the handles. */
  state->on_ready = NULL;
  state->async_context = NULL;
  stop_state(env, state);
  free(state);
}

/* The JS callback threw: it is reported as any uncaught exception is, never dropped silently. */
static void report_exception(napi_env env) {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) != napi_ok || !pending) return;
  napi_value error;
  if (napi_get_and_clear_last_exception(env, &error) == napi_ok) napi_fatal_exception(env, error);
}

static void on_readable(uv_poll_t *poll, int status, int events) {
  (void)events;
  park_state *state = poll->data;
  if (status < 0 || state->epfd < 0) return; /* the epoll set failed, or parking stopped */
  struct epoll_event ready[READY_MAX];
  int count;
  do {
    count = epoll_wait(state->epfd, ready, READY_MAX, 0);
  } while (count < 0 && errno == EINTR);
  if (count <= 0) return;
  napi_env env = state->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  void *data;
  napi_value buffer, fds, callback, global;
  if (napi_create_arraybuffer(env, (size_t)count * sizeof(int32_t), &data, &buffer) == napi_ok &&
      napi_create_typedarray(env, napi_int32_array, (size_t)count, buffer, 0, &fds) == napi_ok &&
      napi_get_reference_value(env, state->on_ready, &callback) == napi_ok &&
      napi_get_global(env, &global) == napi_ok) {
    int32_t *out = data;
    for (int i = 0; i < count; i++) {
      struct epoll_event unused;
      out[i] = ready[i].data.fd;
      /* Reported once: the JS side unwatches it for good or parks it again as a new dup. */
      epoll_ctl(state->epfd, EPOLL_CTL_DEL, ready[i].data.fd, &unused);
    }
    /* A callback from the loop, as Node makes them: microtasks and ticks run after it. */
    if (napi_make_callback(env, state->async_context, global, callback, 1, &fds, NULL) != napi_ok) {
      report_exception(env);
    }
  }
  napi_close_handle_scope(env, scope);
}

static int32_t int_arg(napi_env env, napi_callback_info info, const char *usage, int32_t *value) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 ||
      napi_get_value_int32(env, argv[0], value) != napi_ok) {
    napi_throw_type_error(env, NULL, usage);
    return 0;
  }
  return 1;
}

static napi_value number(napi_env env, int32_t value) {
  napi_value out;
  napi_create_int32(env, value, &out);
  return out;
}

static napi_value park_init(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_valuetype type;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 ||
      napi_typeof(env, argv[0], &type) != napi_ok || type != napi_function) {
    napi_throw_type_error(env, NULL, "parkInit(onReady: (fds: Int32Array) => void)");
    return NULL;
  }
  park_state *state = state_of(env);
  if (state == NULL) {
    state = calloc(1, sizeof(*state));
    if (state == NULL || napi_set_instance_data(env, state, finalize_state, NULL) != napi_ok) {
      free(state);
      napi_throw_error(env, NULL, "parkInit: out of memory");
      return NULL;
    }
    state->env = env;
    state->epfd = -1;
  }
  if (state->epfd >= 0) {
    napi_throw_error(env, NULL, "parkInit: already started (parkStop first)");
    return NULL;
  }
  struct uv_loop_s *loop;
  napi_value name;
  state->epfd = epoll_create1(EPOLL_CLOEXEC);
  state->poll = malloc(sizeof(uv_poll_t));
  int ok = state->epfd >= 0 && state->poll != NULL && napi_get_uv_event_loop(env, &loop) == napi_ok &&
           uv_poll_init(loop, state->poll, state->epfd) == 0;
  if (!ok) {
    /* The handle was never initialised: freed here, not through uv_close. */
    free(state->poll);
    state->poll = NULL;
    stop_state(env, state);
    napi_throw_error(env, NULL, "parkInit: cannot watch an epoll set");
    return NULL;
  }
  state->poll->data = state;
  if (uv_poll_start(state->poll, UV_READABLE, on_readable) != 0 ||
      napi_create_reference(env, argv[0], 1, &state->on_ready) != napi_ok ||
      napi_create_string_utf8(env, "natter:park", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, NULL, name, &state->async_context) != napi_ok) {
    stop_state(env, state);
    napi_throw_error(env, NULL, "parkInit: cannot start watching");
    return NULL;
  }
  uv_unref((uv_handle_t *)state->poll);
  return NULL;
}

/* Stops watching and closes the epoll set; parkInit may start it again. */
static napi_value park_stop(napi_env env, napi_callback_info info) {
  (void)info;
  park_state *state = state_of(env);
  if (state != NULL) stop_state(env, state);
  return NULL;
}

static napi_value park(napi_env env, napi_callback_info info) {
  int32_t fd;
  if (!int_arg(env, info, "park(fd)", &fd)) return NULL;
  park_state *state = state_of(env);
  if (state == NULL || state->epfd < 0) return number(env, -EBADF);
  int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return number(env, -errno);
  /* Level-triggered: input that came before the watch began is reported at once. */
  struct epoll_event event = {.events = EPOLLIN | EPOLLRDHUP, .data.fd = dup};
  if (epoll_ctl(state->epfd, EPOLL_CTL_ADD, dup, &event) != 0) {
    int err = errno;
    close(dup);
    return number(env, -err);
  }
  return number(env, dup);
}

static napi_value unpark(napi_env env, napi_callback_info info) {
  int32_t fd;
  if (!int_arg(env, info, "unpark(fd)", &fd)) return NULL;
  park_state *state = state_of(env);
  struct epoll_event unused;
  if (state == NULL || state->epfd < 0 || epoll_ctl(state->epfd, EPOLL_CTL_DEL, fd, &unused) == 0 ||
      errno == ENOENT) {
    return number(env, 0);
  }
  return number(env, -errno);
}

static napi_value close_parked(napi_env env, napi_callback_info info) {
  int32_t fd;
  if (!int_arg(env, info, "closeParked(fd)", &fd)) return NULL;
  park_state *state = state_of(env);
  struct epoll_event unused;
  if (state != NULL && state->epfd >= 0) epoll_ctl(state->epfd, EPOLL_CTL_DEL, fd, &unused);
  return number(env, close(fd) == 0 ? 0 : -errno);
}

int park_export(napi_env env, napi_value exports) {
  static const struct {
    const char *name;
    napi_callback fn;
  } functions[] = {
      {"parkInit", park_init}, {"parkStop", park_stop}, {"park", park},
      {"unpark", unpark},       {"closeParked", close_parked}};
  for (size_t i = 0; i < sizeof(functions) / sizeof(functions[0]); i++) {
    napi_value fn;
    if (napi_create_function(env, functions[i].name, NAPI_AUTO_LENGTH, functions[i].fn, NULL,
                             &fn) != napi_ok ||
        napi_set_named_property(env, exports, functions[i].name, fn) != napi_ok) {
      return 0;
    }
  }
  return 1;
}

#else

int park_export(napi_env env, napi_value exports) {
  (void)env;
  (void)exports;
  return 1; /* no epoll: nothing to export, and the JS side does not park */
}

#endif
