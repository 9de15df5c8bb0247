# The fuzz targets: one fuzz_<name>.c each, and the src/ layers it needs.
# Used by CMakeLists.txt (libFuzzer executables fuzz_<name>) and by
# replay.cmake (plain replay_<name> executables run under CTest).
# Each target's seed corpus is corpus/<name>/ (gen_corpus.py writes the
# seed-* files; regress-* files are inputs that once found a bug).
set(TK_FUZZ_TARGETS
  "hex:crypto"
  "signature:crypto"
  "payment:wire"
  "params:wire"
  "base64:wire"
  "calldata:redeem"
  "receive:recipient,wire"
)

# tk_fuzz_target_info(<entry> <name-var> <layers-var>)
function(tk_fuzz_target_info entry name_var layers_var)
  string(REPLACE ":" ";" parts "${entry}")
  list(GET parts 0 name)
  list(GET parts 1 layers)
  string(REPLACE "," ";" layers "${layers}")
  set(${name_var} ${name} PARENT_SCOPE)
  set(${layers_var} ${layers} PARENT_SCOPE)
endfunction()

# tk_fuzz_link(<target> <layers>): the layers, the include path of src/.
function(tk_fuzz_link tgt)
  tk_target_defaults(${tgt})
  target_include_directories(${tgt} PRIVATE ${PROJECT_SOURCE_DIR}/src
                                            ${CMAKE_CURRENT_FUNCTION_LIST_DIR})
  foreach(l IN LISTS ARGN)
    target_link_libraries(${tgt} PRIVATE tk_${l})
  endforeach()
endfunction()
