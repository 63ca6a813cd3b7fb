// The dashboard's files (web/lab/), embedded into the binary at build time by
// cmake/embed_assets.cmake, which generates the definition of FindAsset.
#pragma once

#include <string_view>

namespace zs::lab {

struct Asset {
  std::string_view path;          // "/index.html", "/app.js", ...
  std::string_view content_type;  // "text/html; charset=utf-8", ...
  std::string_view body;
};

// The asset served at `path`, or nullptr when there is none. The returned
// pointer lives as long as the program.
const Asset* FindAsset(std::string_view path);

}  // namespace zs::lab
