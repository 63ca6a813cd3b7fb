#include "triggers/dual_write.h"

#include "triggers/mariadb_dual_write.h"
#include "triggers/postgres_dual_write.h"

namespace zs::triggers {

const DualWriteSql& DualWriteFor(const backend::Backend& backend) {
  switch (backend.kind()) {
    case backend::Kind::kMariadb:
      return MariadbDualWrite();
    case backend::Kind::kPostgres:
      break;
  }
  return PostgresDualWrite();
}

}  // namespace zs::triggers
