# Included by tk_layer(wire) in src/CMakeLists.txt, after tk_wire_obj exists.
# Generates the protobuf-c code for livepeer.proto at build time and compiles
# it into the wire layer. Its header is private to the layer.
set(_tk_pb_dir ${CMAKE_CURRENT_BINARY_DIR}/wire_generated)
set(_tk_pb_c ${_tk_pb_dir}/livepeer.pb-c.c)
set(_tk_pb_h ${_tk_pb_dir}/livepeer.pb-c.h)
add_custom_command(
  OUTPUT ${_tk_pb_c} ${_tk_pb_h}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${_tk_pb_dir}
  COMMAND ${PROTOC_C} --proto_path=${CMAKE_CURRENT_SOURCE_DIR}/wire
          --c_out=${_tk_pb_dir} ${CMAKE_CURRENT_SOURCE_DIR}/wire/livepeer.proto
  DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/wire/livepeer.proto
  COMMENT "protoc-c: src/wire/livepeer.proto"
  VERBATIM)
target_sources(tk_wire_obj PRIVATE ${_tk_pb_c} ${_tk_pb_h})
target_include_directories(tk_wire_obj PRIVATE ${_tk_pb_dir})
