# cmake/EmbedText.cmake: turns text files (Python sources, the Zen corpus) into a C++ source
# so the binary is self-contained while the text stays in real files.
#
# gilsafe_embed_text(OUTPUT out.cpp NAMESPACE ns ENTRIES symbol=path ...)
# defines `extern const std::string_view ns::symbol;` for each entry.
function(gilsafe_embed_text)
  cmake_parse_arguments(ARG "" "OUTPUT;NAMESPACE" "ENTRIES" ${ARGN})
  set(files)
  foreach(entry IN LISTS ARG_ENTRIES)
    string(REGEX REPLACE "=.*" "" sym "${entry}")
    string(REGEX REPLACE "^[^=]*=" "" path "${entry}")
    list(APPEND files "${path}")
  endforeach()
  add_custom_command(
    OUTPUT "${ARG_OUTPUT}"
    COMMAND "${CMAKE_COMMAND}" "-DOUTPUT=${ARG_OUTPUT}" "-DNAMESPACE=${ARG_NAMESPACE}"
            "-DENTRIES=${ARG_ENTRIES}" -P "${PROJECT_SOURCE_DIR}/cmake/EmbedTextScript.cmake"
    DEPENDS ${files} "${PROJECT_SOURCE_DIR}/cmake/EmbedTextScript.cmake"
    COMMENT "Embedding text files into ${ARG_OUTPUT}"
    VERBATIM)
endfunction()
