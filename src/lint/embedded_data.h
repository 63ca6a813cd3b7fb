// The catalog data of data/*.tsv, compiled into the binary by
// cmake/embed_data.cmake (regenerate the files with scripts/gen-function-volatility.sh).
#pragma once

#include <string_view>

namespace zs::lint::data {

// data/pg_function_volatility.tsv: name, argument types, defaults, variadic, provolatile, origin.
extern const std::string_view kFunctionVolatility;
// data/pg_binary_casts.tsv: source type, target type of every binary-coercible cast.
extern const std::string_view kBinaryCasts;

}  // namespace zs::lint::data
