#include "triggers/dual_write.h"

#include <fmt/format.h>

#include <functional>

#include "ops/names.h"
#include "pg/quote.h"

namespace zs::triggers {

namespace {

constexpr size_t kMaxIdentifierBytes = 63;

std::string ShortHash(const std::string& text) {
  return fmt::format("{:08x}", static_cast<uint32_t>(std::hash<std::string>{}(text)));
}

// A dollar-quote tag that does not occur in `body`.
std::string DollarTag(const std::string& body) {
  std::string tag = "$zs$";
  for (int i = 0; body.find(tag) != std::string::npos; ++i) tag = fmt::format("$zs{}$", i);
  return tag;
}

}  // namespace

std::string TriggerName(const std::string& table, int op_index, const std::string& column,
                        Direction direction) {
  std::string name = fmt::format("_zs_{}_{:02d}_{}_{}", table, op_index, column,
                                 direction == Direction::kUp ? "up" : "down");
  if (name.size() <= kMaxIdentifierBytes) return name;
  // Keep the ordering prefix readable and make the rest unique.
  std::string prefix = fmt::format("_zs_{:02d}_", op_index);
  std::string hash = ShortHash(name);
  // Cut on a character boundary: half a character is an invalid byte
  // sequence that every later statement naming the trigger would fail on.
  std::string middle =
      ops::ClipIdentifier(table, kMaxIdentifierBytes - prefix.size() - hash.size() - 1);
  return prefix + middle + "_" + hash;
}

std::string IsVersionCondition(const std::string& version_schema) {
  std::string literal = pg::QuoteLiteral(version_schema);
  return fmt::format(
      "(coalesce(current_setting('zeroshift.version', true), '') = {0} OR {0} = ANY "
      "(current_schemas(false)))",
      literal);
}

std::string TableTriggerName(const std::string& schema, const std::string& table) {
  std::string name = fmt::format("_zs_{}_{}_dual_write", schema, table);
  if (name.size() <= kMaxIdentifierBytes) return name;
  std::string hash = ShortHash(schema + "." + table);
  return fmt::format("_zs_{}_{}", ops::ClipIdentifier(table, kMaxIdentifierBytes - 5 - hash.size()),
                     hash);
}

namespace {

// One expression as a nested block: its variables are read from NEW when the
// block runs, so it sees what the blocks before it assigned, exactly as the
// next trigger in a chain of triggers would.
std::string ExpressionBlock(const TriggerSpec& spec, const std::string& table) {
  std::string declarations;
  for (const auto& [variable, column] : spec.variables) {
    declarations += fmt::format("      {} {}.{}%TYPE := NEW.{};\n", pg::QuoteIdent(variable), table,
                                pg::QuoteIdent(column), pg::QuoteIdent(column));
  }
  return fmt::format(
      "  IF {}is_new_version THEN\n    DECLARE\n{}    BEGIN\n      NEW.{} := {};\n"
      "    END;\n  END IF;\n",
      spec.direction == Direction::kUp ? "NOT " : "", declarations,
      pg::QuoteIdent(spec.target_column), spec.expression);
}

}  // namespace

std::string CreateTableTriggerSql(const std::vector<TriggerSpec>& specs) {
  if (specs.empty()) return "";
  const TriggerSpec& first = specs.front();
  std::string table = pg::QualifiedName(first.schema, first.table);
  std::string name = TableTriggerName(first.schema, first.table);
  std::string blocks;
  for (const auto& spec : specs) blocks += ExpressionBlock(spec, table);
  std::string body =
      fmt::format("\nDECLARE\n  is_new_version boolean := {};\nBEGIN\n{}  RETURN NEW;\nEND\n",
                  IsVersionCondition(first.version_schema), blocks);
  std::string tag = DollarTag(body);
  return fmt::format(
      "CREATE OR REPLACE FUNCTION {0}() RETURNS trigger LANGUAGE plpgsql AS {1}{2}{1};\n"
      "CREATE TRIGGER {3} BEFORE INSERT OR UPDATE ON {4} FOR EACH ROW EXECUTE FUNCTION {0}();",
      pg::QualifiedName(kStateSchema, name), tag, body, pg::QuoteIdent(name), table);
}

std::string DropTableTriggerSql(const std::string& schema, const std::string& table) {
  std::string name = TableTriggerName(schema, table);
  return fmt::format("DROP TRIGGER IF EXISTS {} ON {};\nDROP FUNCTION IF EXISTS {}();",
                     pg::QuoteIdent(name), pg::QualifiedName(schema, table),
                     pg::QualifiedName(kStateSchema, name));
}

}  // namespace zs::triggers
