// Where the benchmarks find the source tree. Defined in the build's
// generated/bench_paths.cc (CMakeLists.txt), not passed as a compile definition, so
// no bench file's compile command names this checkout's path (ccache hits in a
// second checkout).
#pragma once

namespace zs::bench {

// The source tree's root (CMAKE_SOURCE_DIR): examples/02_split_name.yaml.
const char* SourceDir();

}  // namespace zs::bench
