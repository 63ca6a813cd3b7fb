// `zeroshift doctor` on MariaDB: what about the server, not the objects,
// would stall or mislead the next zeroshift command. Report only (a person
// decides; each finding says what to run):
//   - kMetadataLockQueue: a statement on the database's tables waits for
//     their metadata lock, so every later statement on that table queues
//     behind it (mariadb.md, "DDL and locks"); the open transactions that may
//     hold it are named;
//   - kLongTransaction: a transaction open at least long_transaction_s
//     seconds: the next DDL would queue behind it the same way;
//   - kServerSetting: a zeroshift trigger created under another sql_mode
//     than triggers::kMariadbTriggerSqlMode (its body is parsed under that
//     mode on every load), and statement-based binary logging (a replica
//     re-runs triggers and backfill UPDATEs itself).
#pragma once

#include <string>

#include "backend/backend.h"
#include "core/status.h"
#include "doctor/doctor.h"
#include "doctor/doctor_mariadb.h"

namespace zs::doctor::detail {

// Adds those findings to `report`.
Status MariadbCheckServer(backend::Session& session, const std::string& schema,
                          const MariadbDoctorOptions& options, Report& report);

}  // namespace zs::doctor::detail
