# cmake -DTABLE=build/layers.md -DDOCS=README.md,docs/code-map.md -P check_layers_doc.cmake
# The table between <!-- layers:begin --> and <!-- layers:end --> in each of DOCS must be the
# one the build wrote (cmake/layers.cmake, zs_write_layer_table).
file(READ ${TABLE} expected)
string(REPLACE "," ";" docs "${DOCS}")
foreach(DOC IN LISTS docs)
  file(READ ${DOC} doc)
  string(FIND "${doc}" "<!-- layers:begin -->\n" begin)
  string(FIND "${doc}" "<!-- layers:end -->" end)
  if(begin EQUAL -1 OR end EQUAL -1)
    message(FATAL_ERROR "${DOC}: no <!-- layers:begin --> ... <!-- layers:end --> block")
  endif()
  math(EXPR begin "${begin} + 22")
  math(EXPR length "${end} - ${begin}")
  string(SUBSTRING "${doc}" ${begin} ${length} actual)
  if(NOT actual STREQUAL expected)
    message(FATAL_ERROR "${DOC}'s layer table differs from the build's layers "
      "(CMakeLists.txt). Replace it with ${TABLE}:\n${expected}")
  endif()
endforeach()
