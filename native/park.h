/* Parking idle sockets (native/park.c): its functions, added to the addon's exports. */
#ifndef NATTER_PARK_H
#define NATTER_PARK_H

#include <node_api.h>

/* Adds parkInit, park, unpark and closeParked to `exports` where there is epoll; 0 on failure. */
int park_export(napi_env env, napi_value exports);

#endif
