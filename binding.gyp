{
  "targets": [
    {
      "target_name": "natter_native",
      "sources": ["native/fanout.c", "native/park.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "conditions": [["OS=='win'", { "type": "none", "sources!": ["native/fanout.c", "native/park.c"] }]]
    },
    {
      "target_name": "natter_memory",
      "sources": ["native/memory.cc"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "conditions": [["OS=='win'", { "type": "none", "sources!": ["native/memory.cc"] }]]
    }
  ]
}
