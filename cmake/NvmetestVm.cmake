# SPDX-License-Identifier: BSD-3-Clause
#
# nvmetest_add_vm_test(NAME <name> PROFILE <profile> [TIMEOUT <seconds>]
#                      [NO_BIND] [NO_MODULE] [LABELS <label>...] [ENVIRONMENT <VAR=value>...]
#                      COMMAND <command> [<arg>...])
#
# Registers a ctest that runs <command> as root inside the QEMU guest of
# tests/vm/nvmetest-vm with DUT profile <profile> (default, two-ctrl, cmb-pmr, zns,
# multi-ns, iommu, edu, sriov). A <command> naming a CMake target runs that target's
# executable. The test's cwd is the current binary directory (seen unchanged in the
# guest); NO_BIND leaves the DUTs unbound, NO_MODULE does not insert nvmetest.ko
# either. The test's exit status is the command's, and a WARNING/BUG/Oops in the guest
# kernel log fails it. The guest kernel log is kept in
# <build>/vm-logs/<name>.log.
#
# All VM tests carry the label "vm", take both cores (PROCESSORS 2) and share the
# resource lock "nvmetest-vm", so `ctest -j` runs at most one guest at a time.
# TIMEOUT (default 600) is enforced by the runner, which kills QEMU and says so;
# ctest's own timeout is 60 s longer as a backstop.

set(NVMETEST_VM_RUNNER "${CMAKE_CURRENT_LIST_DIR}/../tests/vm/nvmetest-vm")
get_filename_component(NVMETEST_VM_RUNNER "${NVMETEST_VM_RUNNER}" ABSOLUTE)
set(NVMETEST_VM_LOG_DIR "${CMAKE_BINARY_DIR}/vm-logs")

function(nvmetest_add_vm_test)
  cmake_parse_arguments(PARSE_ARGV 0 VMT "NO_BIND;NO_MODULE" "NAME;PROFILE;TIMEOUT"
                        "COMMAND;LABELS;ENVIRONMENT")
  if(NOT VMT_NAME)
    message(FATAL_ERROR "nvmetest_add_vm_test: NAME is required")
  endif()
  if(NOT VMT_COMMAND)
    message(FATAL_ERROR "nvmetest_add_vm_test(${VMT_NAME}): COMMAND is required")
  endif()
  if(VMT_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "nvmetest_add_vm_test(${VMT_NAME}): unknown arguments ${VMT_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT VMT_PROFILE)
    set(VMT_PROFILE default)
  endif()
  set(known default two-ctrl cmb-pmr zns multi-ns iommu edu sriov discard)
  if(NOT VMT_PROFILE IN_LIST known)
    message(FATAL_ERROR "nvmetest_add_vm_test(${VMT_NAME}): unknown PROFILE ${VMT_PROFILE} (known: ${known})")
  endif()
  if(NOT VMT_TIMEOUT)
    set(VMT_TIMEOUT 600)
  endif()

  list(POP_FRONT VMT_COMMAND cmd)
  if(TARGET ${cmd})
    set(cmd "$<TARGET_FILE:${cmd}>")
  endif()

  set(runner_args --profile ${VMT_PROFILE} --timeout ${VMT_TIMEOUT}
                  --log ${NVMETEST_VM_LOG_DIR}/${VMT_NAME}.log)
  if(VMT_NO_BIND)
    list(APPEND runner_args --no-bind)
  endif()
  if(VMT_NO_MODULE)
    list(APPEND runner_args --no-module)
  endif()

  add_test(NAME ${VMT_NAME}
           COMMAND ${NVMETEST_VM_RUNNER} ${runner_args} -- ${cmd} ${VMT_COMMAND})
  math(EXPR ctest_timeout "${VMT_TIMEOUT} + 60")
  set_tests_properties(${VMT_NAME} PROPERTIES
    LABELS "vm;${VMT_LABELS}"
    RESOURCE_LOCK nvmetest-vm
    PROCESSORS 2
    TIMEOUT ${ctest_timeout}
    ENVIRONMENT "NVMETEST_KO=${NVMETEST_KO};${VMT_ENVIRONMENT}")
endfunction()
