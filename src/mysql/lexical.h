// What every reader of MariaDB SQL text needs to skip quoted runs the way the
// server does in the pinned session (NO_BACKSLASH_ESCAPES off, ANSI_QUOTES off).
#pragma once

#include <cstddef>
#include <string_view>

namespace zs::mysql {

// The index just past the quoted run that opens at `begin` (on its quote:
// '...' and "..." are strings, `...` a name); std::string_view::npos when it
// is not closed. A doubled quote is one character; in a string (not in a
// name) a backslash escapes the next byte.
size_t QuotedEnd(std::string_view sql, size_t begin);

}  // namespace zs::mysql
