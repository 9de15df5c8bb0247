# Included by tests/CMakeLists.txt: every fuzz target's corpus replayed
# under CTest with the plain driver (replay_main.c), with any compiler and
# under any sanitizer or valgrind. Label: fuzz-replay.
include(${CMAKE_CURRENT_LIST_DIR}/targets.cmake)

foreach(entry IN LISTS TK_FUZZ_TARGETS)
  tk_fuzz_target_info("${entry}" name layers)
  set(dir ${CMAKE_CURRENT_LIST_DIR})
  add_executable(replay_${name} ${dir}/fuzz_${name}.c ${dir}/replay_main.c)
  tk_fuzz_link(replay_${name} ${name} ${layers})
  target_compile_definitions(replay_${name} PRIVATE
    TK_FUZZ_CORPUS_DIR="${dir}/corpus/${name}")
  add_test(NAME fuzz_replay_${name} COMMAND replay_${name})
  set_tests_properties(fuzz_replay_${name} PROPERTIES LABELS fuzz-replay
    TIMEOUT 300 ENVIRONMENT "TK_VECTORS_DIR=${TICKET_VECTORS_DIR}")
endforeach()

# The committed seed corpus is exactly what gen_corpus.py makes from the
# vectors (so a changed vector or generator cannot go unnoticed).
find_package(Python3 COMPONENTS Interpreter)
if(Python3_FOUND)
  add_test(NAME fuzz_corpus_fresh
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/gen_corpus.py
            --check --vectors ${TICKET_VECTORS_DIR})
  set_tests_properties(fuzz_corpus_fresh PROPERTIES LABELS fuzz-replay
                                                    TIMEOUT 120)
endif()
