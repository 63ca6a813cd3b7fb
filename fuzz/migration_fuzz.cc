// libFuzzer target for the migration file reader: any bytes, read as a
// pgroll-format migration (YAML or JSON), must neither crash nor trip a
// sanitizer, and a migration that parses must read back from its own
// ToJson: the state table stores that JSON, and the engine and doctor
// re-read it.
// Built with -DZS_FUZZ=ON (clang); `make fuzz` runs it for a bounded time.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/status.h"
#include "migration/migration.h"
#include "migration/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (1 << 20)) return 0;
  std::string text(reinterpret_cast<const char*>(data), size);
  zs::Result<zs::migration::Migration> migration = zs::migration::ParseMigration(text, "fuzz.yaml");
  if (!migration.ok()) return 0;
  std::string json = zs::migration::ToJson(*migration);
  zs::Result<zs::migration::Migration> again = zs::migration::ParseMigration(json, "fuzz.yaml");
  // A trap, not an assert: RelWithDebInfo defines NDEBUG, and libFuzzer
  // saves the input of any crash.
  if (!again.ok()) __builtin_trap();
  return 0;
}
