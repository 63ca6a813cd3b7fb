#include "lint/catalog.h"

#include <algorithm>
#include <charconv>

#include "lint/embedded_data.h"

namespace zs::lint {
namespace {

// Splits `text` at `separator` into at most `max` views.
std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    if (end == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

template <typename Fn>
void ForEachDataLine(std::string_view text, Fn&& fn) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty() && line[0] != '#') fn(line);
    start = end + 1;
  }
}

int ToInt(std::string_view text) {
  int value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

}  // namespace

std::string_view VolatilityName(Volatility volatility) {
  switch (volatility) {
    case Volatility::kImmutable:
      return "IMMUTABLE";
    case Volatility::kStable:
      return "STABLE";
    case Volatility::kVolatile:
      return "VOLATILE";
  }
  return "VOLATILE";
}

const Catalog& Catalog::Builtin() {
  static const Catalog catalog(data::kFunctionVolatility, data::kBinaryCasts);
  return catalog;
}

Catalog::Catalog(std::string_view functions_tsv, std::string_view casts_tsv) {
  ForEachDataLine(functions_tsv, [this](std::string_view line) {
    std::vector<std::string_view> f = Split(line, '\t');
    if (f.size() < 6 || f[0].empty()) return;
    Overload overload;
    overload.arg_types = f[1];
    overload.nargs = f[1].empty() ? 0 : static_cast<int>(Split(f[1], ',').size());
    overload.ndefaults = ToInt(f[2]);
    overload.variadic = f[3] == "t";
    overload.volatility = f[4] == "i"   ? Volatility::kImmutable
                          : f[4] == "s" ? Volatility::kStable
                                        : Volatility::kVolatile;
    overload.origin = f[5];
    functions_[f[0]].push_back(overload);
    ++function_rows_;
  });
  ForEachDataLine(casts_tsv, [this](std::string_view line) {
    std::vector<std::string_view> f = Split(line, '\t');
    if (f.size() < 2 || f[0].empty() || f[1].empty()) return;
    casts_to_[f[1]].push_back(f[0]);
  });
}

std::optional<FunctionInfo> Catalog::Function(std::string_view name, int nargs) const {
  auto it = functions_.find(name);
  if (it == functions_.end()) return std::nullopt;
  const Overload* best = nullptr;
  for (const Overload& o : it->second) {
    bool accepts = (nargs <= o.nargs && nargs >= o.nargs - o.ndefaults) ||
                   (o.variadic && nargs >= o.nargs - 1);
    if (accepts && (best == nullptr || o.volatility > best->volatility)) best = &o;
  }
  if (best == nullptr) return std::nullopt;
  return FunctionInfo{best->volatility, best->origin};
}

bool Catalog::Signature::Accepts(int nargs) const {
  int n = static_cast<int>(arg_types.size());
  return (nargs <= n && nargs >= n - ndefaults) || (variadic && nargs >= n - 1);
}

std::vector<Catalog::Signature> Catalog::Overloads(std::string_view name) const {
  std::vector<Signature> out;
  auto it = functions_.find(name);
  if (it == functions_.end()) return out;
  for (const Overload& o : it->second) {
    Signature signature;
    if (!o.arg_types.empty()) signature.arg_types = Split(o.arg_types, ',');
    signature.ndefaults = o.ndefaults;
    signature.variadic = o.variadic;
    signature.origin = o.origin;
    out.push_back(std::move(signature));
  }
  return out;
}

bool Catalog::BinaryCoercible(std::string_view source, std::string_view target) const {
  auto it = casts_to_.find(target);
  if (it == casts_to_.end()) return false;
  return std::find(it->second.begin(), it->second.end(), source) != it->second.end();
}

std::vector<std::string_view> Catalog::BinarySources(std::string_view target) const {
  auto it = casts_to_.find(target);
  return it == casts_to_.end() ? std::vector<std::string_view>{} : it->second;
}

}  // namespace zs::lint
