# Included by tk_layer(wire) in src/CMakeLists.txt, after tk_wire_obj exists.
# Generates the protobuf-c code for the layer's .proto files at build time
# and compiles it into the wire layer. The headers are private to the layer.
set(_tk_pb_dir ${CMAKE_CURRENT_BINARY_DIR}/wire_generated)
foreach(_tk_proto livepeer libticket_receipt)
  set(_tk_pb_c ${_tk_pb_dir}/${_tk_proto}.pb-c.c)
  set(_tk_pb_h ${_tk_pb_dir}/${_tk_proto}.pb-c.h)
  add_custom_command(
    OUTPUT ${_tk_pb_c} ${_tk_pb_h}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${_tk_pb_dir}
    COMMAND ${PROTOC_C} --proto_path=${CMAKE_CURRENT_SOURCE_DIR}/wire
            --c_out=${_tk_pb_dir} ${CMAKE_CURRENT_SOURCE_DIR}/wire/${_tk_proto}.proto
    DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/wire/${_tk_proto}.proto
    COMMENT "protoc-c: src/wire/${_tk_proto}.proto"
    VERBATIM)
  target_sources(tk_wire_obj PRIVATE ${_tk_pb_c} ${_tk_pb_h})
endforeach()
target_include_directories(tk_wire_obj PRIVATE ${_tk_pb_dir})
