# Included by tk_layer(sender ...) in src/CMakeLists.txt: the sender layer
# parses keystore JSON with jansson. GLOBAL, so that tests/ (which looks
# jansson up too) and every consumer of the targets below see one target.
pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET GLOBAL jansson)
target_link_libraries(tk_sender_obj PUBLIC PkgConfig::JANSSON)
# tk_sender and the public `ticket` archive are created after this file
# runs; link them when the directory is done.
cmake_language(DEFER CALL target_link_libraries tk_sender PUBLIC
               PkgConfig::JANSSON)
cmake_language(DEFER CALL target_link_libraries ticket PRIVATE
               PkgConfig::JANSSON)
