#include "triggers/dual_write.h"

#include <fmt/format.h>

#include <functional>

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

std::string FunctionName(const TriggerSpec& spec) {
  return pg::QualifiedName(kStateSchema, spec.name);
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
  std::string middle = table.substr(0, kMaxIdentifierBytes - prefix.size() - hash.size() - 1);
  return prefix + middle + "_" + hash;
}

std::string IsVersionCondition(const std::string& version_schema) {
  std::string literal = pg::QuoteLiteral(version_schema);
  return fmt::format(
      "(coalesce(current_setting('zeroshift.version', true), '') = {0} OR {0} = ANY "
      "(current_schemas(false)))",
      literal);
}

std::string CreateTriggerSql(const TriggerSpec& spec) {
  std::string table = pg::QualifiedName(spec.schema, spec.table);
  std::string declarations;
  for (const auto& [variable, column] : spec.variables) {
    declarations += fmt::format("  {} {}.{}%TYPE := NEW.{};\n", pg::QuoteIdent(variable), table,
                                pg::QuoteIdent(column), pg::QuoteIdent(column));
  }
  std::string condition = IsVersionCondition(spec.version_schema);
  if (spec.direction == Direction::kUp) condition = "NOT " + condition;
  std::string body = fmt::format(
      "\nDECLARE\n{}BEGIN\n  IF {} THEN\n    NEW.{} := {};\n  END IF;\n  RETURN NEW;\nEND\n",
      declarations, condition, pg::QuoteIdent(spec.target_column), spec.expression);
  std::string tag = DollarTag(body);
  return fmt::format(
      "CREATE OR REPLACE FUNCTION {0}() RETURNS trigger LANGUAGE plpgsql AS {1}{2}{1};\n"
      "CREATE TRIGGER {3} BEFORE INSERT OR UPDATE ON {4} FOR EACH ROW EXECUTE FUNCTION {0}();",
      FunctionName(spec), tag, body, pg::QuoteIdent(spec.name), table);
}

std::string DropTriggerSql(const TriggerSpec& spec) {
  return fmt::format("DROP TRIGGER IF EXISTS {} ON {};\nDROP FUNCTION IF EXISTS {}();",
                     pg::QuoteIdent(spec.name), pg::QualifiedName(spec.schema, spec.table),
                     FunctionName(spec));
}

}  // namespace zs::triggers
