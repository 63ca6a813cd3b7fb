// libFuzzer target for the checks of user SQL (sqlcheck/expression.h): any
// bytes, given to every checker, must neither crash nor trip a sanitizer, and
// the text ValidateExpression returns for embedding must itself pass it: if
// it did not, what runs would differ from what was checked.
// Built with -DZS_FUZZ=ON (clang); `make fuzz` runs it for a bounded time.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/status.h"
#include "sqlcheck/expression.h"

namespace {

constexpr char kWhat[] = "fuzz.yaml:1:1 fuzz";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The parser is the costly part; long inputs only slow the search down.
  if (size > (1 << 16)) return 0;
  // NULs stay in: libpg_query reads a C string, so a checker that let one
  // through would have checked less than the text it accepted.
  std::string text(reinterpret_cast<const char*>(data), size);
  namespace sq = zs::sqlcheck;
  zs::Result<std::string> embedded = sq::ValidateExpression(text, kWhat);
  if (embedded.ok() && !sq::ValidateExpression(*embedded, kWhat).ok()) __builtin_trap();
  (void)sq::ReferencedColumns(text);
  (void)sq::ReferencedColumns(text, "t");
  (void)sq::ValidateStatements(text, kWhat);
  (void)sq::ValidateTypeName(text, kWhat);
  (void)sq::ValidateIdentifier(text, kWhat);
  (void)sq::ValidateOptionList(text, kWhat);
  (void)sq::ValidateSequenceOptions(text, kWhat);
  (void)sq::ValidateExcludeElements(text, kWhat);
  (void)sq::SplitStatements(text, kWhat);
  return 0;
}
