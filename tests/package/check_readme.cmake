# tests/package/check_readme.cmake: the README's "Use gilsafe from your project" shows the
# consumer tests' code, verbatim (cmake -P; package.readme)
#
# Every region between a "[readme]" and a "[/readme]" marker line in the consumer files
# below must appear in that README section, line for line (leading spaces aside, so an
# excerpt from inside a function may be shown unindented). The tests build and run these
# files: the README's examples are the ones that are known to work.
cmake_minimum_required(VERSION 3.21)

get_filename_component(root "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)
set(section_title "## Use gilsafe from your project")
set(files
  tests/package/embed/CMakeLists.txt
  tests/package/embed/main.cpp
  tests/package/module/CMakeLists.txt
  tests/package/module/my_words.cpp
  tests/package/subdirectory/CMakeLists.txt)

# Text without leading blanks on any line (no lists: C++ has semicolons and brackets).
function(unindent out text)
  string(REGEX REPLACE "\n[ \t]+" "\n" text "\n${text}")
  string(SUBSTRING "${text}" 1 -1 text)
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

file(READ "${root}/README.md" readme)
string(FIND "${readme}" "\n${section_title}\n" begin)
if(begin EQUAL -1)
  message(FATAL_ERROR "README.md has no '${section_title}' section")
endif()
string(SUBSTRING "${readme}" ${begin} -1 section)
string(SUBSTRING "${section}" 1 -1 section)
string(FIND "${section}" "\n## " end)
if(NOT end EQUAL -1)
  string(SUBSTRING "${section}" 0 ${end} section)
endif()
unindent(section "${section}")

set(problems "")
foreach(file IN LISTS files)
  file(READ "${root}/${file}" text)
  unindent(text "${text}")
  set(regions 0)
  while(TRUE)
    string(FIND "${text}" "[readme]\n" at)
    if(at EQUAL -1)
      break()
    endif()
    math(EXPR at "${at} + 9")
    string(SUBSTRING "${text}" ${at} -1 text)
    string(FIND "${text}" "[/readme]" stop)
    if(stop EQUAL -1)
      message(FATAL_ERROR "${file}: a [readme] marker without its [/readme]")
    endif()
    # Up to the end of the line before the end marker's line.
    string(SUBSTRING "${text}" 0 ${stop} region)
    string(FIND "${region}" "\n" last_newline REVERSE)
    math(EXPR region_length "${last_newline} + 1")
    string(SUBSTRING "${region}" 0 ${region_length} region)
    math(EXPR regions "${regions} + 1")
    string(FIND "${section}" "${region}" found)
    if(found EQUAL -1)
      list(APPEND problems "${file}, region ${regions}")
      message("--- ${file}, region ${regions}, not in the README section:\n${region}---")
    endif()
    string(SUBSTRING "${text}" ${stop} -1 text)
  endwhile()
  if(regions EQUAL 0)
    list(APPEND problems "${file} has no [readme] region")
  endif()
endforeach()

if(problems)
  list(JOIN problems "\n  " problems)
  message(FATAL_ERROR "README.md '${section_title}' differs from the consumer tests:\n  "
    "${problems}\nCopy the regions into the README (or change both).")
endif()
message(STATUS "README.md's examples match the consumer tests")
