# skk_embed_migrations(<target> <component> <sql files...>)
#
# Compiles a service's versioned SQL migrations into its library, so a binary carries the exact
# schema it expects and applies it at start. File names are NNN_name.sql; NNN is the version.
# Defines `const std::vector<skk::Migration>& <component>_migrations()` in namespace skk.
function(skk_embed_migrations target component)
  set(out "${CMAKE_CURRENT_BINARY_DIR}/${component}_migrations.cc")
  set(body "// Generated from SQL migration files by cmake/Migrations.cmake. Do not edit.\n")
  string(APPEND body "#include \"services/platform/migrations.h\"\n\nnamespace skk {\n\n")
  string(APPEND body "const std::vector<Migration>& ${component}_migrations() {\n")
  string(APPEND body "  static const std::vector<Migration> kMigrations = {\n")
  foreach(file IN LISTS ARGN)
    get_filename_component(abs "${file}" ABSOLUTE)
    get_filename_component(name "${file}" NAME_WE)
    string(REGEX MATCH "^([0-9]+)_(.*)$" _ "${name}")
    if(NOT CMAKE_MATCH_1)
      message(FATAL_ERROR "migration ${file}: name must be NNN_description.sql")
    endif()
    math(EXPR version "${CMAKE_MATCH_1}")
    file(READ "${abs}" sql)
    string(APPEND body "      {${version}, \"${CMAKE_MATCH_2}\", R\"skksql(${sql})skksql\"},\n")
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${abs}")
  endforeach()
  string(APPEND body "  };\n  return kMigrations;\n}\n\n}  // namespace skk\n")
  file(GENERATE OUTPUT "${out}" CONTENT "${body}")
  target_sources(${target} PRIVATE "${out}")
endfunction()

# skk_test(<name> LABELS <labels...> SOURCES <files...> [LIBS <targets...>])
#
# One Catch2 binary; each TEST_CASE becomes a ctest test carrying the labels. Tests with the
# "integration" or "e2e" label expect the servers of deploy/stack.sh --profile test, described
# by the SKK_* variables of .run/test/stack.env.
function(skk_test name)
  cmake_parse_arguments(T "" "" "LABELS;SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE skk_test_support Catch2::Catch2WithMain ${T_LIBS})
  # --warn NoTests: a test name that matches nothing (e.g. one cut by a ";") fails, never passes.
  # Labels are set by a file ctest reads after the discovered tests: passed through
  # PROPERTIES, a list of two labels ("sla;e2e") is split into a broken property list.
  catch_discover_tests(${name} EXTRA_ARGS --warn NoTests TEST_LIST ${name}_discovered)
  set(labels_file "${CMAKE_CURRENT_BINARY_DIR}/${name}_labels.cmake")
  file(WRITE "${labels_file}"
       "if(${name}_discovered)\n"
       "  set_tests_properties(\${${name}_discovered} PROPERTIES LABELS \"${T_LABELS}\")\n"
       "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${labels_file}")
endfunction()

# skk_service(<name> SOURCES <files...> [LIBS <targets...>] MIGRATIONS <sql files...>)
#
# One service folder: its logic as the library skk_<name> on top of skk_platform (linked by its
# binary, its tests and its benchmark), its SQL migrations embedded in that library, and its
# binary skk-<name> built from main.cpp.
function(skk_service name)
  cmake_parse_arguments(S "" "" "SOURCES;LIBS;MIGRATIONS" ${ARGN})
  add_library(skk_${name} STATIC ${S_SOURCES})
  target_link_libraries(skk_${name} PUBLIC skk_platform ${S_LIBS})
  skk_embed_migrations(skk_${name} ${name} ${S_MIGRATIONS})
  add_executable(skk-${name} main.cpp)
  target_link_libraries(skk-${name} PRIVATE skk_${name})
endfunction()
