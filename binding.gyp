{
  "targets": [
    {
      "target_name": "natter_native",
      "sources": ["native/fanout.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "conditions": [["OS=='win'", { "type": "none", "sources!": ["native/fanout.c"] }]]
    }
  ]
}
