# Dependencies of the core library. Every one ends up as an imported target.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

# libsecp256k1: prefer upstream's CMake package (newer, faster signing), fall
# back to the pkg-config file Debian ships (0.2.0). Either way we need the
# recovery module, which upstream builds only on request.
find_package(libsecp256k1 CONFIG QUIET)
if(TARGET libsecp256k1::secp256k1)
  add_library(tk_secp256k1 INTERFACE IMPORTED)
  target_link_libraries(tk_secp256k1 INTERFACE libsecp256k1::secp256k1)
  set(TICKET_SECP256K1_SOURCE "CMake package ${libsecp256k1_VERSION}")
  set(TICKET_SECP256K1_VERSION "${libsecp256k1_VERSION}")
  get_target_property(_secp_inc libsecp256k1::secp256k1 INTERFACE_INCLUDE_DIRECTORIES)
else()
  pkg_check_modules(SECP256K1 REQUIRED IMPORTED_TARGET libsecp256k1>=0.2.0)
  add_library(tk_secp256k1 INTERFACE IMPORTED)
  target_link_libraries(tk_secp256k1 INTERFACE PkgConfig::SECP256K1)
  set(TICKET_SECP256K1_SOURCE "pkg-config ${SECP256K1_VERSION}")
  set(TICKET_SECP256K1_VERSION "${SECP256K1_VERSION}")
  set(_secp_inc ${SECP256K1_INCLUDE_DIRS})
endif()
find_path(TICKET_SECP256K1_RECOVERY_H secp256k1_recovery.h
          HINTS ${_secp_inc} /usr/include /usr/local/include)
if(NOT TICKET_SECP256K1_RECOVERY_H)
  message(FATAL_ERROR
    "libticket needs libsecp256k1 built with the recovery module "
    "(secp256k1_recovery.h not found). On Debian: apt-get install "
    "libsecp256k1-dev; from source: -DSECP256K1_ENABLE_MODULE_RECOVERY=ON.")
endif()
message(STATUS "libticket: libsecp256k1 via ${TICKET_SECP256K1_SOURCE}")

find_package(OpenSSL 3.0 REQUIRED COMPONENTS Crypto)
pkg_check_modules(GMP REQUIRED IMPORTED_TARGET gmp)
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(PROTOBUFC REQUIRED IMPORTED_TARGET libprotobuf-c)
find_program(PROTOC_C NAMES protoc-c REQUIRED)
# jansson: keystore JSON in the sender layer (and the tests / ticketctl).
pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET GLOBAL jansson)
# libcurl: the JSON-RPC transport of the eth layer (ticket_eth only; the
# core archive does no network I/O).
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET GLOBAL libcurl)
# libpq: the PostgreSQL store (ticket_store_pg only; network I/O).
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET GLOBAL libpq)
