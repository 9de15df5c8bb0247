# The fuzz targets: one fuzz_<name>.c each, and the src/ layers it needs.
# Used by CMakeLists.txt (libFuzzer executables fuzz_<name>) and by
# replay.cmake (plain replay_<name> executables run under CTest).
# Each target's corpus is corpus/<name>/: seed-* files from the vectors
# (gen_corpus.py), long-* files a long run kept for their coverage, and
# regress-* files, inputs that once found a bug.
set(TK_FUZZ_TARGETS
  "hex:crypto"
  "signature:crypto"
  "payment:wire"
  "params:wire"
  "base64:wire"
  "receipt:wire"
  "calldata:redeem"
  "receive:recipient,wire"
  "ticketctl:ALL"
  "keystore:sender"
  "eth_tx:eth"
  "eth_abi:eth"
  "eth_rpc:eth"
)

# Targets that need more than src/ layers ("ALL" links the whole
# libticket archive): ticketctl's command code without its main(). Its
# chain commands (cmd_chain.c, not fuzzed: they do network I/O) need tk_eth.
file(GLOB TK_FUZZ_ticketctl_SOURCES CONFIGURE_DEPENDS
     ${PROJECT_SOURCE_DIR}/tools/ticketctl/*.c)
list(FILTER TK_FUZZ_ticketctl_SOURCES EXCLUDE REGEX "/main\\.c$")
set(TK_FUZZ_ticketctl_INCLUDES ${PROJECT_SOURCE_DIR}/tools/ticketctl)
# cmd_store.c also opens PostgreSQL stores (ticket_store_pg, libpq).
set(TK_FUZZ_ticketctl_LIBS tk_eth tk_store_pg PkgConfig::JANSSON)

# tk_fuzz_target_info(<entry> <name-var> <layers-var>)
function(tk_fuzz_target_info entry name_var layers_var)
  string(REPLACE ":" ";" parts "${entry}")
  list(GET parts 0 name)
  list(GET parts 1 layers)
  string(REPLACE "," ";" layers "${layers}")
  set(${name_var} ${name} PARENT_SCOPE)
  set(${layers_var} ${layers} PARENT_SCOPE)
endfunction()

# tk_fuzz_link(<target> <name> <layers>): the layers, the include path of
# src/, and the target's extra sources, includes and libraries.
function(tk_fuzz_link tgt name)
  tk_target_defaults(${tgt})
  target_include_directories(${tgt} PRIVATE ${PROJECT_SOURCE_DIR}/src
    ${CMAKE_CURRENT_FUNCTION_LIST_DIR} ${TK_FUZZ_${name}_INCLUDES})
  foreach(l IN LISTS ARGN)
    if(l STREQUAL "ALL")
      target_link_libraries(${tgt} PRIVATE ticket)
    else()
      target_link_libraries(${tgt} PRIVATE tk_${l})
    endif()
  endforeach()
  if(TK_FUZZ_${name}_SOURCES)
    target_sources(${tgt} PRIVATE ${TK_FUZZ_${name}_SOURCES})
  endif()
  target_link_libraries(${tgt} PRIVATE ${TK_FUZZ_${name}_LIBS})
endfunction()
