// What the linter knows about PostgreSQL's built-in functions and casts, read
// from the server's own catalogs (pg_proc.provolatile, pg_cast.castmethod) as
// shipped in data/ and embedded at build time.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace zs::lint {

enum class Volatility { kImmutable = 0, kStable = 1, kVolatile = 2 };

std::string_view VolatilityName(Volatility volatility);  // "IMMUTABLE", "STABLE", "VOLATILE"

struct FunctionInfo {
  Volatility volatility = Volatility::kVolatile;
  std::string_view origin;  // "pg_catalog" or the extension, e.g. "uuid-ossp"
};

class Catalog {
 public:
  // The embedded catalog, parsed on first use. Thread-safe.
  static const Catalog& Builtin();
  // Parses the two TSV texts (comment lines start with '#'); malformed lines are skipped.
  // REQUIRES: both texts outlive the catalog.
  Catalog(std::string_view functions_tsv, std::string_view casts_tsv);

  // The volatility of a call of `name` with `nargs` arguments: the most
  // volatile overload that accepts that many (counting defaults and VARIADIC).
  // nullopt for an unknown name, and for a known name that no overload
  // accepts with that many arguments (`now(123)` is no call of now()).
  std::optional<FunctionInfo> Function(std::string_view name, int nargs) const;

  // One pg_proc row of a function name.
  struct Signature {
    std::vector<std::string_view> arg_types;  // pg_type names: "text", "int4", "anyelement"
    int ndefaults = 0;                        // trailing arguments that may be left out
    bool variadic = false;                    // the last argument is VARIADIC
    std::string_view origin;                  // "pg_catalog" or the extension
    bool Accepts(int nargs) const;
  };
  // Every overload of `name`, in the data's order; empty for an unknown name.
  std::vector<Signature> Overloads(std::string_view name) const;

  // True when pg_cast has a binary-coercible cast from `source` to `target`
  // (pg_type.typname spelling: "varchar", "int4"...).
  bool BinaryCoercible(std::string_view source, std::string_view target) const;
  // The types with a binary-coercible cast to `target`.
  std::vector<std::string_view> BinarySources(std::string_view target) const;

  size_t function_count() const { return function_rows_; }

 private:
  struct Overload {
    std::string_view arg_types;  // "text,interval"
    int nargs = 0;
    int ndefaults = 0;
    bool variadic = false;
    Volatility volatility = Volatility::kVolatile;
    std::string_view origin;
  };
  std::unordered_map<std::string_view, std::vector<Overload>> functions_;
  std::unordered_map<std::string_view, std::vector<std::string_view>> casts_to_;
  size_t function_rows_ = 0;
};

}  // namespace zs::lint
