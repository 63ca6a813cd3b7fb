// Where the tests find the source tree and the zeroshift binary. Both are defined in
// the build's generated/test_paths.cc (CMakeLists.txt), not passed as compile
// definitions, so no test's compile command names this checkout's path and a second
// checkout (a git worktree) gets the same objects from ccache.
#pragma once

namespace zs::testing {

// The source tree's root (CMAKE_SOURCE_DIR): examples/, docs/, tests/ and testdata.
const char* SourceDir();

// The zeroshift binary this build made ($<TARGET_FILE:zeroshift>).
const char* ZeroshiftBinary();

}  // namespace zs::testing
