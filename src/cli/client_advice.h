// What `start` and `status` tell the user about their clients, which differs
// per database: PostgreSQL clients pick a version with search_path (and,
// behind a transaction pooler, a PgBouncer pool per version) and the role's
// missing privileges are noted; MariaDB clients pick a version database with
// USE and @zeroshift_version. The commands call these and never test the
// backend; ClientAdviceFor is the one place that picks.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backend/backend.h"
#include "core/status.h"
#include "engine/engine.h"

namespace zs::cli {

class ClientAdvice {
 public:
  virtual ~ClientAdvice() = default;

  // What old clients should use while a migration is active: `old_version`
  // from Engine::OldClientsVersion, "" for the raw tables.
  virtual std::string OldClients(engine::Engine& engine, const std::string& old_version) const = 0;

  // After `start`: how clients reach the versions through a connection
  // pooler; "" when there is nothing to say.
  virtual std::string PoolerAdvice(engine::Engine& engine, const std::string& old_version,
                                   const std::string& latest) const = 0;

  // What this role cannot do, and the grant that would, one note each;
  // none when the database has no such check.
  virtual Result<std::vector<std::string>> PrivilegeNotes(engine::Engine& engine) const = 0;

  // Adds the role's privilege notes to `status` (`privilege_notes`), where
  // the database has such a check.
  virtual Status AddPrivilegeNotes(engine::Engine& engine, nlohmann::json& status) const = 0;

  // Adds to `status` (an initialised schema's `zeroshift status` JSON) what
  // old and new clients run to pick their version: `old_version` "" for the
  // raw tables, `new_version` "" when no migration is active.
  virtual void AddClientFields(engine::Engine& engine, const std::string& old_version,
                               const std::string& new_version, nlohmann::json& status) const = 0;
};

// The one place that picks the implementation, by backend.kind().
const ClientAdvice& ClientAdviceFor(const backend::Backend& backend);

// The implementations (client_advice_postgres.cc, client_advice_mariadb.cc).
const ClientAdvice& PostgresClientAdvice();
const ClientAdvice& MariadbClientAdvice();

}  // namespace zs::cli
