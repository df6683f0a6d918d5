{
  "variables": {
    "pai_common_cflags": ["-O3", "-fno-math-errno", "-fvisibility=hidden", "-std=c++17", "-fPIC"]
  },
  "target_defaults": {
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native/include"],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
    "cflags!": ["-fno-exceptions"],
    "cflags_cc": ["<@(pai_common_cflags)", "-fexceptions", "-march=x86-64", "-mtune=generic"]
  },
  "targets": [
    {
      "target_name": "pai_avx2",
      "type": "static_library",
      "sources": ["<!@(node scripts/native-sources.js avx2)"],
      "cflags_cc": ["-mavx2", "-mfma", "-mf16c"]
    },
    {
      "target_name": "pai_avx512",
      "type": "static_library",
      "sources": ["<!@(node scripts/native-sources.js avx512)"],
      "cflags_cc": ["-mavx2", "-mfma", "-mf16c", "-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl"]
    },
    {
      "target_name": "pai_cpu",
      "dependencies": ["pai_avx2", "pai_avx512"],
      "sources": ["<!@(node scripts/native-sources.js baseline)", "<!@(node scripts/native-sources.js binding)"],
      "ldflags": ["-pthread", "-static-libstdc++", "-static-libgcc"],
      "libraries": ["-pthread"]
    }
  ]
}
