// libFuzzer target for the linter: any bytes, linted in every mode, must
// neither crash nor trip a sanitizer; `zeroshift convert` gets the same input.
// Built with -DZS_FUZZ=ON (clang); `make fuzz-lint` runs it for a bounded time.
#include <cstddef>
#include <cstdint>
#include <string>

#include "convert/convert.h"
#include "lint/linter.h"
#include "lint/report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (1 << 20)) return 0;
  std::string text(reinterpret_cast<const char*>(data), size);
  zs::lint::LintOptions options;
  // The first byte picks the mode, so the corpus explores all of them.
  uint8_t mode = size > 0 ? data[0] : 0;
  options.assume_in_transaction = (mode & 1) != 0;
  options.pg_version = 12 + (mode >> 1) % 6;
  std::vector<zs::lint::Finding> findings = zs::lint::LintSql(text, "fuzz.sql", options);
  // The formats must cope with whatever the findings quote.
  (void)zs::lint::FormatText(findings, 1, (mode & 2) != 0);
  (void)zs::lint::FormatJson(findings);
  (void)zs::lint::FormatSarif(findings, "fuzz");
  (void)zs::lint::FormatGithub(findings);
  if ((mode & 4) != 0) {
    zs::Result<zs::convert::Conversion> conversion = zs::convert::ConvertSql(text, "fuzz.sql");
    if (conversion.ok()) (void)zs::convert::ToYaml(conversion->migration);
  }
  return 0;
}
