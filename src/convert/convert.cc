#include "convert/convert.h"

#include <fmt/format.h>

#include <algorithm>

#include "convert/converter.h"
#include "lint/analysis.h"
#include "lint/sql_text.h"
#include "lint/tree.h"
#include "lint/types.h"
#include "migration/parser.h"

namespace zs::convert {
namespace internal {

using migration::Operation;

namespace {
constexpr size_t kMaxIdentifier = 63;
}  // namespace

std::string Truncate(std::string name) {
  if (name.size() > kMaxIdentifier) name.resize(kMaxIdentifier);
  return name;
}

std::string ColumnRefName(JsonValue node) {
  if (node.type() != "ColumnRef") return "";
  std::vector<std::string_view> fields = lint::StringList(node.inner()["fields"]);
  return fields.empty() ? "" : std::string(fields.back());
}

std::vector<std::string> ReferencedColumns(JsonValue expr) {
  std::vector<std::string> columns;
  auto take = [&](JsonValue v) {
    std::string name = ColumnRefName(v);
    if (!name.empty() && std::find(columns.begin(), columns.end(), name) == columns.end()) {
      columns.push_back(name);
    }
  };
  take(expr);
  expr.ForEachDescendant(take);
  return columns;
}

std::vector<std::string> Strings(JsonValue list) {
  std::vector<std::string> out;
  for (std::string_view s : lint::StringList(list)) out.emplace_back(s);
  return out;
}

std::string FkAction(std::string_view code) {
  if (code == "r") return "RESTRICT";
  if (code == "c") return "CASCADE";
  if (code == "n") return "SET NULL";
  if (code == "d") return "SET DEFAULT";
  return "NO ACTION";
}

std::string MatchType(std::string_view code) {
  if (code == "f") return "FULL";
  if (code == "p") return "PARTIAL";
  return "SIMPLE";
}

Fill DescribeFill(const Statement& stmt, JsonValue value) {
  Fill fill;
  JsonValue plain = value.type() == "TypeCast" ? value.inner()["arg"] : value;
  if (std::string source = ColumnRefName(plain); !source.empty()) {
    fill.source = source;
    fill.copy = true;
    return fill;
  }
  if (value.type() != "FuncCall" || lint::FuncName(value.inner()) != "split_part") return fill;
  JsonValue args = value.inner()["args"];
  if (args.size() != 3) return fill;
  auto it = args.begin();
  std::string source = ColumnRefName(*it);
  ++it;
  JsonValue separator = *it;
  ++it;
  std::optional<int64_t> part = lint::IntConst(*it);
  if (source.empty() || !lint::StringConst(separator) || !part || *part < 1) return fill;
  fill.source = source;
  fill.separator_sql = lint::ExpressionText(stmt, separator);
  fill.part = fill.separator_sql.empty() ? 0 : *part;
  return fill;
}

std::string Converter::WhereAt(uint32_t offset) const {
  lint::LineIndex::Position p = lines_.At(offset);
  return fmt::format("{}:{}:{}", file_, p.line, p.column);
}

void Converter::Warn(uint32_t offset, const std::string& message) {
  result_.warnings.push_back(fmt::format("{}: {}", WhereAt(offset), message));
}

std::string Converter::TypeOf(const Statement& stmt, JsonValue type_name) const {
  std::string written = lint::TypeText(stmt, type_name);
  return written.empty() ? lint::TypeFromNode(type_name).Display() : written;
}

void Converter::Add(const Statement& stmt, std::string kind, migration::OperationBody body) {
  Operation op;
  op.kind = std::move(kind);
  op.body = std::move(body);
  lint::LineIndex::Position p = lines_.At(stmt.begin);
  op.location = {file_, p.line, p.column};
  result_.migration.operations.push_back(std::move(op));
}

void Converter::Raw(const Statement& stmt, const std::string& why) {
  migration::OpRawSql op;
  op.up = std::string(lint::StatementBody(stmt));
  Add(stmt, "sql", std::move(op));
  Warn(stmt.begin, fmt::format("`{}` becomes an `sql` operation ({}): it runs as written at "
                               "start, without expand-contract; check it, and give `down` so "
                               "that rollback undoes it",
                               lint::Snippet(stmt.text), why));
}

Status Converter::Run() {
  Status status;
  lint::RunOnLargeStack([&] {
    lint::SplitResult split = lint::SplitStatements(text_);
    for (const lint::Piece& piece : split.pieces) {
      for (const Statement& stmt : lint::ParsePiece(text_, piece)) {
        if (!stmt.parsed()) {
          status = InvalidInput(fmt::format(
              "{}: PostgreSQL's parser rejects this statement: {}; fix it and convert again",
              WhereAt(stmt.error_offset), stmt.error));
          return;
        }
        Convert(stmt);
      }
    }
  });
  ZS_RETURN_IF_ERROR(status);
  if (result_.migration.operations.empty()) {
    return InvalidInput(file_ +
                        ": nothing to convert (no statement besides transaction "
                        "control and settings)");
  }
  return Status::Ok();
}

void Converter::Convert(const Statement& stmt) {
  std::string_view type = stmt.type;
  if (type == "TransactionStmt") {
    if (!noted_transaction_) {
      Warn(stmt.begin,
           "BEGIN/COMMIT left out: zeroshift runs each step in a short transaction "
           "of its own");
    }
    noted_transaction_ = true;
    return;
  }
  if (type == "VariableSetStmt" || (type == "SelectStmt" && !lint::TimeoutChanges(stmt).empty())) {
    if (!noted_settings_) {
      Warn(stmt.begin,
           "session settings (SET ...) left out: zeroshift sets lock_timeout and "
           "statement_timeout on every statement (--lock-timeout, "
           "--statement-timeout)");
    }
    noted_settings_ = true;
    return;
  }
  bool mapped = false;
  if (type == "AlterTableStmt") {
    mapped = ConvertAlterTable(stmt);
  } else if (type == "CreateStmt") {
    mapped = ConvertCreateTable(stmt);
  } else if (type == "IndexStmt") {
    mapped = ConvertIndex(stmt);
  } else if (type == "RenameStmt") {
    mapped = ConvertRename(stmt);
  } else if (type == "DropStmt") {
    mapped = ConvertDrop(stmt);
  } else if (type == "UpdateStmt") {
    mapped = ConvertUpdate(stmt);
    if (!mapped) {
      Raw(stmt,
          "an UPDATE that does not fill a column this file adds runs as one statement, "
          "unbatched");
      return;
    }
  }
  if (!mapped) Raw(stmt, "no zeroshift operation does this");
}

}  // namespace internal

Result<Conversion> ConvertSql(std::string_view text, const std::string& file_name) {
  internal::Converter converter(text, file_name);
  ZS_RETURN_IF_ERROR(converter.Run());
  Conversion conversion = converter.Take();
  conversion.migration.source_file = file_name;
  conversion.migration.raw_json = migration::ToJson(conversion.migration);
  // What convert prints must be what `zeroshift start` reads.
  Result<migration::Migration> reread =
      migration::ParseMigration(ToYaml(conversion.migration), file_name + ".yaml");
  if (!reread.ok()) {
    return Internal(
        fmt::format("{}: the converted migration does not read back ({}); please "
                    "report this with the SQL file",
                    file_name, reread.status().message()));
  }
  return conversion;
}

}  // namespace zs::convert
