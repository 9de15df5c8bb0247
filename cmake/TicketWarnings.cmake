# Warnings for our own targets only (never pushed onto consumers).
set(TICKET_WARNING_FLAGS
  -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
  -Wcast-qual -Wundef -Wvla -Wformat=2)
if(TICKET_WERROR)
  list(APPEND TICKET_WARNING_FLAGS -Werror)
endif()

# tk_target_defaults(<target>): C11 without extensions, warnings, sanitizers.
function(tk_target_defaults tgt)
  set_target_properties(${tgt} PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON
                                          C_EXTENSIONS OFF)
  target_compile_options(${tgt} PRIVATE ${TICKET_WARNING_FLAGS})
  target_compile_definitions(${tgt} PRIVATE _POSIX_C_SOURCE=200809L _DEFAULT_SOURCE)
  if(TICKET_SANITIZE)
    target_compile_options(${tgt} PRIVATE -fsanitize=${TICKET_SANITIZE}
                                          -fno-omit-frame-pointer -fno-sanitize-recover=all)
    target_link_options(${tgt} PRIVATE -fsanitize=${TICKET_SANITIZE})
  endif()
endfunction()
