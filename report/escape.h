// Text made safe for the reports: bytes that are not UTF-8 or are control bytes shown, XML
// special characters as entities (the inline SVG pictures), labels cut to fit.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace buildiff {

// Text for a report: control bytes and bytes that are not UTF-8 shown as \xNN, so a hostile
// name can neither break the page's encoding nor drive a terminal reading the Markdown.
std::string clean_text(std::string_view s);

// S as XML text or attribute value (the pictures are written outside the templates):
// clean_text, then & < > " ' as entities.
std::string svg_escape(std::string_view s);

// At most N characters (code points) of S, cut in the middle ("lib…/foo.o").
std::string shorten_middle(const std::string& s, std::size_t n);

}  // namespace buildiff
