# The layers of zeroshift as build targets (CMakeLists.txt lists them, bottom up).
#
# zs_layer(NAME DOC text FILES pattern... [USES layer...] [PUBLIC_LIBS lib...] [PRIVATE_LIBS lib...])
#   A static library zs_NAME of the files matched by the patterns (relative to src/: `dir/`
#   is the directory and everything below it, anything else a file glob). Tests
#   (*_test.cc) and test-only headers (layer `testing`) never belong to a production layer;
#   a file matched by an earlier layer stays there.
#
# What a layer may include is what it may use: each layer's headers are linked into an
# include tree of their own, build/layers/NAME/<path as under src/>, and a target sees
# only its own tree and those of the layers it USES (transitively). src/ itself is on no
# include path, so `#include "engine/engine.h"` in a layer that does not use `engine`
# fails to compile: the build refuses an upward include.
set(ZS_LAYER_ROOT ${CMAKE_BINARY_DIR}/layers)
file(REMOVE_RECURSE ${ZS_LAYER_ROOT})
set_property(GLOBAL PROPERTY ZS_LAYERED_FILES "")
set_property(GLOBAL PROPERTY ZS_LAYER_SOURCES "")
set_property(GLOBAL PROPERTY ZS_LAYERS "")

function(zs_layer_files out)
  set(files)
  foreach(pattern IN LISTS ARGN)
    if(pattern MATCHES "/$")
      file(GLOB_RECURSE found CONFIGURE_DEPENDS RELATIVE ${CMAKE_SOURCE_DIR}/src
        ${CMAKE_SOURCE_DIR}/src/${pattern}*.cc ${CMAKE_SOURCE_DIR}/src/${pattern}*.h)
    else()
      file(GLOB found CONFIGURE_DEPENDS RELATIVE ${CMAKE_SOURCE_DIR}/src
        ${CMAKE_SOURCE_DIR}/src/${pattern})
    endif()
    list(APPEND files ${found})
  endforeach()
  list(REMOVE_DUPLICATES files)
  set(${out} ${files} PARENT_SCOPE)
endfunction()

# Test-only files: tests, their fixtures and helpers.
set(ZS_TEST_ONLY_REGEX "(_test\\.cc|_fixture\\.h|_test_util\\.h)$|^testing/")

function(zs_layer name)
  cmake_parse_arguments(L "" "DOC" "FILES;USES;PUBLIC_LIBS;PRIVATE_LIBS" ${ARGN})
  zs_layer_files(files ${L_FILES})
  list(FILTER files EXCLUDE REGEX "${ZS_TEST_ONLY_REGEX}")
  get_property(taken GLOBAL PROPERTY ZS_LAYERED_FILES)
  set(sources)
  set(headers)
  foreach(f IN LISTS files)
    if(f IN_LIST taken OR f STREQUAL "cli/main.cc")
      continue()
    endif()
    set_property(GLOBAL APPEND PROPERTY ZS_LAYERED_FILES ${f})
    if(f MATCHES "\\.h$")
      list(APPEND headers ${f})
      get_filename_component(dir ${ZS_LAYER_ROOT}/${name}/${f} DIRECTORY)
      file(MAKE_DIRECTORY ${dir})
      file(CREATE_LINK ${CMAKE_SOURCE_DIR}/src/${f} ${ZS_LAYER_ROOT}/${name}/${f} SYMBOLIC)
    else()
      list(APPEND sources ${CMAKE_SOURCE_DIR}/src/${f})
    endif()
  endforeach()
  set(target zs_${name})
  if(sources)
    add_library(${target} STATIC ${sources})
    set(scope PUBLIC)
    if(ZS_UNITY)
      set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 16)
    endif()
    set_property(GLOBAL APPEND PROPERTY ZS_LAYER_SOURCES ${sources})
  else()
    add_library(${target} INTERFACE)
    set(scope INTERFACE)
  endif()
  file(MAKE_DIRECTORY ${ZS_LAYER_ROOT}/${name})
  target_include_directories(${target} ${scope} ${ZS_LAYER_ROOT}/${name})
  foreach(used IN LISTS L_USES)
    target_link_libraries(${target} ${scope} zs_${used})
  endforeach()
  target_link_libraries(${target} ${scope} ${L_PUBLIC_LIBS})
  if(L_PRIVATE_LIBS)
    if(NOT sources)
      message(FATAL_ERROR "layer ${name}: PRIVATE_LIBS on a header-only layer")
    endif()
    target_link_libraries(${target} PRIVATE ${L_PRIVATE_LIBS})
  endif()
  set_property(GLOBAL APPEND PROPERTY ZS_LAYERS ${name})
  set_property(GLOBAL PROPERTY ZS_LAYER_USES_${name} "${L_USES}")
  set_property(GLOBAL PROPERTY ZS_LAYER_FILES_${name} "${L_FILES}")
  set_property(GLOBAL PROPERTY ZS_LAYER_DOC_${name} "${L_DOC}")
endfunction()

# Every production file of src/ belongs to a layer: a file no layer claims could be
# included by nobody, so it is refused here, by name.
function(zs_check_every_file_has_a_layer)
  file(GLOB_RECURSE all RELATIVE ${CMAKE_SOURCE_DIR}/src
    ${CMAKE_SOURCE_DIR}/src/*.cc ${CMAKE_SOURCE_DIR}/src/*.h)
  list(FILTER all EXCLUDE REGEX "${ZS_TEST_ONLY_REGEX}")
  list(REMOVE_ITEM all cli/main.cc)
  get_property(taken GLOBAL PROPERTY ZS_LAYERED_FILES)
  list(REMOVE_ITEM all ${taken})
  if(all)
    list(JOIN all ", " orphans)
    message(FATAL_ERROR "files of src/ in no layer (add them to a zs_layer in CMakeLists.txt): ${orphans}")
  endif()
endfunction()

# The layer table of docs/code-map.md, as the build defines it: one row per layer, bottom
# up, with the layers it uses and its directories' files. The test layers_doc
# (cmake/check_layers_doc.cmake) fails when the table in the document differs, so the
# document cannot drift from the build.
function(zs_write_layer_table out)
  get_property(layers GLOBAL PROPERTY ZS_LAYERS)
  set(text "| layer | files under src/ | may use | what it holds |\n| --- | --- | --- | --- |\n")
  foreach(layer IN LISTS layers)
    get_property(uses GLOBAL PROPERTY ZS_LAYER_USES_${layer})
    if(uses)
      list(TRANSFORM uses PREPEND "`")
      list(TRANSFORM uses APPEND "`")
      list(JOIN uses ", " uses_text)
    else()
      set(uses_text "(nothing of ours)")
    endif()
    get_property(files GLOBAL PROPERTY ZS_LAYER_FILES_${layer})
    get_property(doc GLOBAL PROPERTY ZS_LAYER_DOC_${layer})
    list(TRANSFORM files PREPEND "`")
    list(TRANSFORM files APPEND "`")
    list(JOIN files " " files_text)
    string(APPEND text "| `${layer}` | ${files_text} | ${uses_text} | ${doc} |\n")
  endforeach()
  file(WRITE ${out} "${text}")
endfunction()
