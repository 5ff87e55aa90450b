# SPDX-License-Identifier: BSD-3-Clause
# cmake -DCXX=... -DINCLUDE_DIR=... -DHEADERS="a.h;b.h" -DFLAGS="..." -P CheckPublicHeaders.cmake
#
# Compiles each public header alone, as the first line of a user's file, with
# the strict warnings users build with (FLAGS: -Werror and all); then with
# -std=c++17, where the first error must be the header's own "needs C++20".
# Fails naming every header that does not.
foreach(v CXX INCLUDE_DIR HEADERS FLAGS)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "CheckPublicHeaders: -D${v}=... is required")
  endif()
endforeach()
separate_arguments(flags UNIX_COMMAND "${FLAGS}")
set(failed)
set(tu ${CMAKE_CURRENT_BINARY_DIR}/check_public_header.cpp)
foreach(h ${HEADERS})
  file(WRITE ${tu} "#include <${h}>\n")
  execute_process(
    COMMAND ${CXX} -std=c++20 ${flags} -fsyntax-only -I${INCLUDE_DIR} -I${INCLUDE_DIR}/uapi ${tu}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message("${h}: not clean with -std=c++20 ${FLAGS}:\n${out}")
    list(APPEND failed ${h})
  endif()
  if(h MATCHES "^nvmetest/")
    execute_process(
      COMMAND ${CXX} -std=c++17 -fsyntax-only -I${INCLUDE_DIR} -I${INCLUDE_DIR}/uapi ${tu}
      RESULT_VARIABLE rc17 OUTPUT_VARIABLE out17 ERROR_VARIABLE out17)
    string(REGEX MATCH "error: [^\n]*" first "${out17}")
    if(rc17 EQUAL 0 OR NOT first MATCHES "needs C\\+\\+20")
      message("${h}: with -std=c++17 the first error is not the C++20 one: '${first}'")
      list(APPEND failed ${h})
    endif()
  endif()
endforeach()
list(LENGTH HEADERS n)
if(failed)
  list(REMOVE_DUPLICATES failed)
  message(FATAL_ERROR "public headers failing: ${failed}")
endif()
message("all ${n} public headers compile alone with ${FLAGS}")
