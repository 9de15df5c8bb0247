# TICKET_SANITIZE is applied per target by tk_target_defaults(); here we only
# check that the combination makes sense.
if(TICKET_SANITIZE)
  if(TICKET_SANITIZE MATCHES "thread" AND TICKET_SANITIZE MATCHES "address")
    message(FATAL_ERROR "TICKET_SANITIZE: thread and address cannot be combined")
  endif()
  message(STATUS "libticket: sanitizers: ${TICKET_SANITIZE}")
endif()
