#include "lab/mariadb_users_table.h"

#include <algorithm>

#include <fmt/format.h>

namespace zs::lab {

namespace {
constexpr long long kMariadbLoadChunk = 1000000;
}  // namespace

Status MariadbLoadUsers(mysql::Connection& conn, long long rows,
                        const std::function<void(long long)>& progress) {
  ZS_RETURN_IF_ERROR(
      conn.Run("CREATE TABLE users (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, "
               "name VARCHAR(200) NOT NULL, visits INT NOT NULL DEFAULT 0) ENGINE=InnoDB")
          .WithContext("creating the lab's users table on MariaDB"));
  for (long long from = 1; from <= rows; from += kMariadbLoadChunk) {
    long long to = std::min(rows, from + kMariadbLoadChunk - 1);
    ZS_RETURN_IF_ERROR(
        conn.Run(fmt::format(
                     "INSERT INTO users (id, name, visits) "
                     "SELECT seq, CONCAT(ELT(1 + seq % 16, 'Alice','Bob','Carol','Dave','Erin',"
                     "'Frank','Grace','Heidi','Ivan','Judy','Mallory','Niaj','Olivia','Peggy',"
                     "'Rupert','Sybil'), ' ', ELT(1 + (seq DIV 16) % 16, 'Smith','Jones','Brown',"
                     "'Lee','Garcia','Miller','Davis','Wilson','Moore','Taylor','Thomas','Martin',"
                     "'Clark','Lewis','Walker','Young')), seq % 1000 "
                     "FROM seq_{}_to_{}",
                     from, to))
            .WithContext(fmt::format("loading users {} to {} (the Sequence engine's seq_ "
                                     "tables must be available: MariaDB 10.0+ has them built in)",
                                     from, to)));
    if (progress) progress(to);
  }
  return Status::Ok();
}

}  // namespace zs::lab
