#include "ops/mariadb_swap_rules.h"

#include <fmt/format.h>

#include "ops/mariadb_sql.h"
#include "sqlcheck/mariadb_lexer.h"

namespace zs::ops {

namespace {

// "NEW.`p` AS `n`, ..." (prefix "NEW.") or "`p` AS `n`, ..." (prefix "").
std::string MariadbAliasList(const OpContext& ctx, const MariadbAliases& aliases,
                             const std::string& prefix) {
  std::string out;
  for (const auto& [name, physical] : aliases) {
    out += fmt::format("{}{}{} AS {}", out.empty() ? "" : ", ", prefix, MariadbQuote(ctx, physical),
                       MariadbQuote(ctx, name));
  }
  return out;
}

// MariaDB names a trigger in at most 64 characters; counted in bytes here,
// which is never more.
constexpr size_t kMariadbMaxTriggerName = 64;

// FNV-1a of a constraint name: stable across builds, since drop_constraint
// and rename_constraint compute the trigger names again, maybe with a newer
// binary.
uint32_t MariadbCheckNameHash(const std::string& text) {
  uint32_t hash = 2166136261u;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 16777619u;
  }
  return hash;
}

// `zs_check_<name><suffix>`; for a name too long for that, the name is cut
// (never inside a UTF-8 character) and a hash of the whole name keeps two
// long names apart, before the suffix that says which trigger of the pair it
// is. The catalog reader reads the constraint's name from the trigger's
// message, not from its name (schema/mariadb_reader.cc).
std::string MariadbCheckTriggerName(const std::string& name, const char* suffix) {
  const std::string prefix = "zs_check_";
  std::string plain = prefix + name + suffix;
  if (plain.size() <= kMariadbMaxTriggerName) return plain;
  std::string hash = fmt::format("_{:08x}", MariadbCheckNameHash(name));
  size_t keep = kMariadbMaxTriggerName - prefix.size() - hash.size() - std::string(suffix).size();
  while (keep > 0 && (static_cast<unsigned char>(name[keep]) & 0xC0) == 0x80) --keep;
  return prefix + name.substr(0, keep) + hash + suffix;
}

}  // namespace

std::pair<std::string, std::string> MariadbCheckTriggerNames(const AddedConstraint& check) {
  return {MariadbCheckTriggerName(check.name, "_bi"), MariadbCheckTriggerName(check.name, "_bu")};
}

std::string MariadbCheckTrigger(const OpContext& ctx, const swap::Layout& layout,
                                const AddedConstraint& check, const std::string& trigger,
                                const std::string& event, const MariadbAliases& aliases) {
  const std::string& table = layout.table->physical_name;
  std::string failed = fmt::format("CONSTRAINT {} failed for {}", MariadbQuote(ctx, check.name),
                                   MariadbTableName(ctx, table));
  // The expression is written over the columns' names: a one-row derived
  // table gives it those names over NEW's values, so it needs no rewriting.
  return fmt::format(
      "CREATE OR REPLACE TRIGGER {}.{} BEFORE {} ON {} FOR EACH ROW {} BEGIN IF (SELECT ({}\n) "
      "FROM (SELECT {}) zs_row) = 0 THEN SIGNAL SQLSTATE '23000' SET MYSQL_ERRNO = 4025, "
      "MESSAGE_TEXT = {}; END IF; END",
      MariadbQuote(ctx, ctx.before->name), MariadbQuote(ctx, trigger), event,
      MariadbTableName(ctx, table), schema::kMariadbCheckTriggerLabel,
      sqlcheck::MariadbWithoutFinalSemicolon(check.check), MariadbAliasList(ctx, aliases, "NEW."),
      ctx.backend->QuoteLiteral(failed));
}

std::string MariadbCheckViolation(const AddedConstraint& check) {
  return "(" + sqlcheck::MariadbWithoutFinalSemicolon(check.check) + "\n) = 0";
}

std::vector<std::string> MariadbReferencedPhysical(const OpContext& ctx,
                                                   const AddedConstraint& fk) {
  const schema::Table* target = ctx.before->FindTable(fk.references->table);
  std::vector<std::string> out;
  for (const auto& name : fk.references->columns) {
    const schema::Column* column = target == nullptr ? nullptr : target->FindColumn(name);
    out.push_back(column == nullptr ? name : column->physical_name);
  }
  return out;
}

std::string MariadbForeignKeyViolation(const OpContext& ctx, const AddedConstraint& fk) {
  const schema::Table* target = ctx.before->FindTable(fk.references->table);
  std::vector<std::string> referenced = MariadbReferencedPhysical(ctx, fk);
  // MATCH SIMPLE: a key with a NULL in it references nothing.
  std::string present, match;
  for (size_t i = 0; i < fk.columns.size(); ++i) {
    std::string column = "zs_row." + MariadbQuote(ctx, fk.columns[i]);
    present += fmt::format("{}{} IS NOT NULL", i == 0 ? "" : " AND ", column);
    match += fmt::format("{}zs_parent.{} = {}", i == 0 ? "" : " AND ",
                         MariadbQuote(ctx, referenced[i]), column);
  }
  return fmt::format("{} AND NOT EXISTS (SELECT 1 FROM {} zs_parent WHERE {})", present,
                     MariadbTableName(ctx, target->physical_name), match);
}

std::string MariadbValidateRows(const OpContext& ctx, const swap::Layout& layout,
                                const AddedConstraint& rule, const MariadbAliases& aliases,
                                const std::string& violates, int error_number) {
  const schema::Table& table = *layout.table;
  const std::string& key_name = table.primary_key.front();
  const schema::Column* key_column = table.FindPhysicalColumn(key_name);
  std::string type = key_column == nullptr ? "BIGINT" : key_column->type;
  std::string key = MariadbQuote(ctx, key_name);
  std::string qualified = MariadbTableName(ctx, table.physical_name);
  std::string message = fmt::format(
      "constraint {} of table {}: existing row with {} = ", MariadbQuote(ctx, rule.name),
      MariadbQuote(ctx, table.name), key);
  // Only while the first new column exists: after complete's swap the rows
  // were validated and the constraint holds them, so a repeat does nothing.
  return fmt::format(
      "BEGIN NOT ATOMIC IF EXISTS (SELECT 1 FROM information_schema.COLUMNS WHERE "
      "TABLE_SCHEMA = {7} AND TABLE_NAME = {8} AND COLUMN_NAME = {9}) THEN BEGIN DECLARE "
      "zs_from {0}; DECLARE zs_to {0}; DECLARE zs_bad {0}; DECLARE "
      "zs_message VARCHAR(512); SET zs_from = (SELECT MIN({1}) FROM {2}); WHILE zs_from IS NOT "
      "NULL DO SET zs_to = (SELECT MAX(zs_batch.zs_key) FROM (SELECT {1} AS zs_key FROM {2} "
      "WHERE {1} >= zs_from ORDER BY {1} LIMIT 1000) zs_batch); SET zs_bad = (SELECT "
      "zs_row.zs_key FROM (SELECT {1} AS zs_key, {3} FROM {2} WHERE {1} BETWEEN zs_from AND "
      "zs_to) zs_row WHERE {4} ORDER BY zs_row.zs_key LIMIT 1); IF zs_bad IS NOT NULL THEN SET "
      "zs_message = CONCAT({5}, zs_bad, ' breaks it; fix the row (or `up`) and run complete "
      "again'); SIGNAL SQLSTATE '23000' SET MYSQL_ERRNO = {6}, MESSAGE_TEXT = zs_message; END "
      "IF; SET zs_from = (SELECT MIN({1}) FROM {2} WHERE {1} > zs_to); END WHILE; END; END IF; "
      "END",
      type, key, qualified, MariadbAliasList(ctx, aliases, ""), violates,
      ctx.backend->QuoteLiteral(message), error_number, ctx.backend->QuoteLiteral(ctx.before->name),
      ctx.backend->QuoteLiteral(table.physical_name),
      ctx.backend->QuoteLiteral(layout.columns.front().temp));
}

}  // namespace zs::ops
