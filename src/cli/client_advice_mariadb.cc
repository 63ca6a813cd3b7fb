// Client advice on MariaDB (client_advice.h): a version is a database that
// clients pick with USE and @zeroshift_version (Engine::ClientSql).
#include "cli/client_advice.h"

namespace zs::cli {

namespace {

class MariadbAdvice final : public ClientAdvice {
 public:
  std::string OldClients(engine::Engine& engine, const std::string& old_version) const override {
    if (old_version.empty()) {
      return "old clients use the tables of database \"" + engine.schema() +
             "\" directly, without @zeroshift_version: the dual-write triggers fill the new "
             "columns from what they write";
    }
    return "old clients keep version " + old_version + " (" + engine.ClientSql(old_version) +
           "): its shape does not change until `zeroshift complete` drops it";
  }

  std::string PoolerAdvice(engine::Engine&, const std::string&, const std::string&) const override {
    return "";  // a version is a database: a pooler routes it like any other
  }

  Result<std::vector<std::string>> PrivilegeNotes(engine::Engine&) const override {
    return std::vector<std::string>();  // no MariaDB privilege check yet
  }

  Status AddPrivilegeNotes(engine::Engine&, nlohmann::json&) const override {
    return Status::Ok();  // no MariaDB privilege check yet: no field
  }

  void AddClientFields(engine::Engine& engine, const std::string& old_version,
                       const std::string& new_version, nlohmann::json& status) const override {
    // What a client runs to pick its version (the database itself, without
    // the variable, for the tables).
    status["old_clients_sql"] = old_version.empty()
                                    ? "USE " + engine.backend().QuoteIdentifier(engine.schema()) +
                                          "; SET @zeroshift_version = NULL"
                                    : engine.ClientSql(old_version);
    if (!new_version.empty()) status["new_clients_sql"] = engine.ClientSql(new_version);
  }
};

}  // namespace

const ClientAdvice& MariadbClientAdvice() {
  static const MariadbAdvice advice;
  return advice;
}

}  // namespace zs::cli
