// Client advice on PostgreSQL (client_advice.h): search_path, PgBouncer
// pools per version (pg/pooler.h), the role's privileges (pg/privileges.h).
#include "cli/client_advice.h"
#include "pg/pooler.h"
#include "pg/privileges.h"
#include "pg/quote.h"

namespace zs::cli {

namespace {

class PostgresAdvice final : public ClientAdvice {
 public:
  std::string OldClients(engine::Engine& engine, const std::string& old_version) const override {
    if (old_version.empty()) {
      return "old clients use the tables of schema \"" + engine.schema() +
             "\" directly: they see the new columns now and see them go at rollback (a prepared "
             "SELECT * fails); before the next migration, `zeroshift init` creates a baseline "
             "version whose shape never changes";
    }
    return "old clients keep version " + old_version + " (" + engine.ClientSql(old_version) +
           "): its shape does not change until `zeroshift complete` drops it";
  }

  std::string PoolerAdvice(engine::Engine& engine, const std::string& old_version,
                           const std::string& latest) const override {
    if (latest.empty()) return "";
    return pg::TransactionPoolerAdvice(engine.connection(), engine.schema(), old_version, latest);
  }

  Result<std::vector<std::string>> PrivilegeNotes(engine::Engine& engine) const override {
    return pg::PrivilegeNotes(engine.connection());
  }

  Status AddPrivilegeNotes(engine::Engine& engine, nlohmann::json& status) const override {
    ZS_ASSIGN_OR_RETURN(status["privilege_notes"], PrivilegeNotes(engine));
    return Status::Ok();
  }

  void AddClientFields(engine::Engine& engine, const std::string& old_version,
                       const std::string& new_version, nlohmann::json& status) const override {
    // The search_path old clients keep: their version, then the schema
    // itself (its functions, types and sequences); null: the raw tables,
    // whose shape changes. New clients': the active migration's version.
    auto search_path = [&](const std::string& version) {
      return pg::QuoteIdent(version) + ", " + pg::QuoteIdent(engine.schema());
    };
    status["old_clients_search_path"] =
        old_version.empty() ? nlohmann::json() : nlohmann::json(search_path(old_version));
    // Behind a transaction pooler: each version's pgbouncer.ini pool (pg/pooler.h).
    auto pool = [&](const std::string& version) {
      return pg::PgBouncerVersionPool(engine.connection(), version, engine.schema());
    };
    status["old_clients_pgbouncer_database"] =
        old_version.empty() ? nlohmann::json() : nlohmann::json(pool(old_version));
    if (!new_version.empty()) {
      status["new_clients_search_path"] = search_path(new_version);
      status["new_clients_pgbouncer_database"] = pool(new_version);
    }
  }
};

}  // namespace

const ClientAdvice& PostgresClientAdvice() {
  static const PostgresAdvice advice;
  return advice;
}

}  // namespace zs::cli
