include(CMakePackageConfigHelpers)
# ticket_eth (ticket::eth) is installed beside the core archive; linking
# it pulls libcurl and jansson, the core does not.
# ticket_store_pg (ticket::store_pg) likewise, with libpq.
install(TARGETS ticket ticket_eth ticket_store_pg EXPORT ticket-targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/ticket
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT ticket-targets NAMESPACE ticket::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ticket)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/ticket-config.cmake.in
  ${PROJECT_BINARY_DIR}/ticket-config.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ticket)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/ticket-config-version.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/ticket-config.cmake
              ${PROJECT_BINARY_DIR}/ticket-config-version.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ticket)
# The .pc file locates the prefix relative to itself (relocatable install).
file(RELATIVE_PATH TICKET_PC_TO_PREFIX
     "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
configure_file(${PROJECT_SOURCE_DIR}/cmake/libticket.pc.in
               ${PROJECT_BINARY_DIR}/libticket.pc @ONLY)
configure_file(${PROJECT_SOURCE_DIR}/cmake/libticket_eth.pc.in
               ${PROJECT_BINARY_DIR}/libticket_eth.pc @ONLY)
configure_file(${PROJECT_SOURCE_DIR}/cmake/libticket_store_pg.pc.in
               ${PROJECT_BINARY_DIR}/libticket_store_pg.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/libticket.pc
              ${PROJECT_BINARY_DIR}/libticket_eth.pc
              ${PROJECT_BINARY_DIR}/libticket_store_pg.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
