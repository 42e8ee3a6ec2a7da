# Small helpers so that each module's CMakeLists.txt is a few lines long.

function(skintrack_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
    -Wno-sign-conversion)
  # Nothing reads errno after a maths call; with errno kept, every sqrt carries a branch that
  # stops pixel loops from vectorising. Results are unchanged.
  target_compile_options(${target} PRIVATE -fno-math-errno)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC 12 reports false -Wrestrict positives inside libstdc++ string concatenation at -O3
    # (GCC bug 105329); they are not in our code.
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(SKINTRACK_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

function(skintrack_apply_sanitizers target)
  if(SKINTRACK_SANITIZE)
    # float-cast-overflow (a double too large for the int it is converted to) is part of Clang's
    # "undefined" but not of GCC's, so it is named.
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined,float-cast-overflow
      -fno-omit-frame-pointer -fno-sanitize-recover=undefined,float-cast-overflow)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined,float-cast-overflow)
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      # With the sanitizers' instrumentation GCC 12 reports -Wmaybe-uninitialized inside
      # libstdc++'s <regex> (std::function members of its NFA states), which the GCC manual warns
      # is unreliable under -fsanitize; the plain builds keep the warning.
      target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
    endif()
  endif()
  if(SKINTRACK_FUZZ)
    # Coverage for libFuzzer in every library, plus ASan + UBSan so that memory errors and undefined
    # behaviour count as crashes. The fuzz executables add -fsanitize=fuzzer (libFuzzer's main).
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link,address,undefined
      -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
  if(SKINTRACK_TSAN)
    target_compile_options(${target} PRIVATE -fsanitize=thread -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=thread)
  endif()
endfunction()

# skintrack_add_library(NAME SOURCES a.cpp b.cpp DEPS dep1 dep2)
# Declares one static library rooted at src/ for includes ("core/io/image_io.h").
function(skintrack_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src ${PROJECT_BINARY_DIR}/generated)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  target_compile_features(${name} PUBLIC cxx_std_20)
  skintrack_set_warnings(${name})
  skintrack_apply_sanitizers(${name})
endfunction()

# skintrack_add_executable(NAME SOURCES ... DEPS ...)
function(skintrack_add_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_BINARY_DIR}/generated)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  skintrack_set_warnings(${name})
  skintrack_apply_sanitizers(${name})
endfunction()

# skintrack_add_test(NAME SOURCES ... DEPS ... [LABELS l1 l2])
# One GoogleTest executable; each TEST becomes a CTest test (discovered after build).
function(skintrack_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests
    ${PROJECT_BINARY_DIR}/generated)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  target_compile_definitions(${name} PRIVATE
    SKINTRACK_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data"
    SKINTRACK_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    SKINTRACK_BINARY_DIR="${PROJECT_BINARY_DIR}")
  skintrack_set_warnings(${name})
  skintrack_apply_sanitizers(${name})
  # One label per executable: "core" for core modules (CI also runs those under the sanitizers),
  # otherwise the given LABELS value or "unit".
  set(label unit)
  if(ARG_LABELS)
    list(GET ARG_LABELS 0 label)
  endif()
  if(CMAKE_CURRENT_SOURCE_DIR MATCHES "/tests/core/")
    set(label core)
    if(NOT TARGET core_tests)
      add_custom_target(core_tests)
    endif()
    add_dependencies(core_tests ${name})
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS ${label} TIMEOUT 600)
endfunction()
