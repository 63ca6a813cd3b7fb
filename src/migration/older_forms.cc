#include "migration/older_forms.h"

#include <algorithm>
#include <string_view>

namespace zs::migration {
namespace {

SourceLocation At(const std::string& file, const YAML::Node& node) {
  YAML::Mark mark = node.Mark();
  if (mark.line < 0) return {file, 0, 0};
  return {file, mark.line + 1, mark.column + 1};
}

// A key's text, viewing the node's own string ("" for a non-scalar key).
// REQUIRES: the node outlives the view.
std::string_view KeyText(const YAML::Node& key) {
  if (!key.IsScalar()) return {};
  return key.Scalar();
}

// The value of `key` in `map`, by the key's text; an invalid node when absent.
YAML::Node Value(const YAML::Node& map, std::string_view key) {
  for (const auto& entry : map) {
    if (entry.first.IsScalar() && entry.first.Scalar() == key) return entry.second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

// A copy of `map` without `key`, keeping the other entries' nodes and order.
YAML::Node Without(const YAML::Node& map, std::string_view key) {
  YAML::Node out(YAML::NodeType::Map);
  for (const auto& entry : map) {
    if (entry.first.IsScalar() && entry.first.Scalar() == key) continue;
    out.force_insert(YAML::Node(entry.first), YAML::Node(entry.second));
  }
  return out;
}

bool AllScalars(const YAML::Node& seq) {
  if (seq.size() == 0) return false;
  for (const auto& item : seq) {
    if (!item.IsScalar()) return false;
  }
  return true;
}

// create_index.columns as names, or as a map of name -> settings.
bool UpgradeIndexColumns(YAML::Node body) {
  YAML::Node columns = Value(body, "columns");
  if (!columns.IsDefined()) return false;
  YAML::Node list(YAML::NodeType::Sequence);
  if (columns.IsSequence() && AllScalars(columns)) {
    for (const auto& name : columns) {
      YAML::Node item(YAML::NodeType::Map);
      item.force_insert(YAML::Node("column"), YAML::Node(name));
      list.push_back(item);
    }
  } else if (columns.IsMap()) {
    for (const auto& entry : columns) {
      YAML::Node item(YAML::NodeType::Map);
      item.force_insert(YAML::Node("column"), YAML::Node(entry.first));
      // `name: {}` or `name:` alone: no settings. Anything else that is not a
      // mapping is left in place for the reader to refuse with its location.
      if (entry.second.IsMap()) {
        for (const auto& setting : entry.second) {
          item.force_insert(YAML::Node(setting.first), YAML::Node(setting.second));
        }
      } else if (!entry.second.IsNull()) {
        item.force_insert(YAML::Node("settings"), YAML::Node(entry.second));
      }
      list.push_back(item);
    }
  } else {
    return false;
  }
  // Keep the key order of the file: columns where it was.
  YAML::Node ordered(YAML::NodeType::Map);
  for (const auto& entry : body) {
    std::string_view key = KeyText(entry.first);
    ordered.force_insert(YAML::Node(entry.first),
                         key == "columns" ? list : YAML::Node(entry.second));
  }
  body = ordered;
  return true;
}

}  // namespace

void UpgradeOlderForms(const std::string& file, YAML::Node operations,
                       std::vector<OlderForm>* found) {
  if (!operations.IsSequence()) return;
  YAML::Node upgraded(YAML::NodeType::Sequence);
  bool changed = false;
  for (const auto& op : operations) {
    if (!op.IsMap() || op.size() != 1) {
      upgraded.push_back(YAML::Node(op));
      continue;
    }
    const auto entry = *op.begin();
    std::string_view kind = KeyText(entry.first);
    YAML::Node body = entry.second;
    if (!body.IsMap()) {
      upgraded.push_back(YAML::Node(op));
      continue;
    }
    if (kind == "create_index") {
      YAML::Node columns = Value(body, "columns");
      bool as_map = columns.IsMap();
      if (UpgradeIndexColumns(body)) {
        found->push_back({At(file, columns),
                          as_map ? "create_index.columns as a mapping of column to settings "
                                   "(pgroll v0.10 to v0.15; a list of {column: ...} since v0.16)"
                                 : "create_index.columns as a list of names (pgroll before "
                                   "v0.10; a list of {column: ...} since v0.16)"});
        YAML::Node item(YAML::NodeType::Map);
        item.force_insert(YAML::Node(entry.first), body);
        upgraded.push_back(item);
        changed = true;
        continue;
      }
    } else if (kind == "drop_constraint" && Value(body, "column").IsDefined()) {
      YAML::Node column = Value(body, "column");
      found->push_back({At(file, column),
                        "drop_constraint.column (pgroll before v0.5: the constraint's name is "
                        "enough)"});
      YAML::Node item(YAML::NodeType::Map);
      item.force_insert(YAML::Node(entry.first), Without(body, "column"));
      upgraded.push_back(item);
      changed = true;
      continue;
    } else if (kind == "alter_column" && Value(body, "name").IsDefined() &&
               Value(body, "table").IsScalar() && Value(body, "column").IsScalar()) {
      YAML::Node to = Value(body, "name");
      found->push_back({At(file, to),
                        "alter_column.name to rename the column (pgroll before v0.6: "
                        "rename_column since)"});
      YAML::Node rest = Without(body, "name");
      // The other changes, if any, still name the column by its old name:
      // they come first, then the rename (as pgroll ran them).
      bool other_changes = std::any_of(rest.begin(), rest.end(), [](const auto& e) {
        std::string_view key = KeyText(e.first);
        return key != "table" && key != "column";
      });
      if (other_changes) {
        YAML::Node alter(YAML::NodeType::Map);
        alter.force_insert(YAML::Node(entry.first), rest);
        upgraded.push_back(alter);
      }
      YAML::Node rename_body(YAML::NodeType::Map);
      rename_body.force_insert(YAML::Node("table"), Value(body, "table"));
      rename_body.force_insert(YAML::Node("from"), Value(body, "column"));
      rename_body.force_insert(YAML::Node("to"), to);
      YAML::Node rename(YAML::NodeType::Map);
      rename.force_insert(YAML::Node("rename_column"), rename_body);
      upgraded.push_back(rename);
      changed = true;
      continue;
    }
    upgraded.push_back(YAML::Node(op));
  }
  if (changed) operations = upgraded;
}

}  // namespace zs::migration
