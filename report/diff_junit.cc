// JUnit XML for CI systems that display test results: one test case per root cause (a failure
// with its details), or one passing case when the builds are identical.
#include <fmt/core.h>

#include "report/diff_render.h"
#include "report/show.h"

namespace buildiff {

namespace {

std::string xml(const std::string& s) {
    std::string out;
    for (char c : display_text(s)) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&apos;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

}  // namespace

std::string render_diff_junit(const DiffResult& r) {
    std::string cases;
    size_t failures = 0;
    for (size_t i = 0; i < r.root_causes.size(); ++i) {
        const RootCause& rc = r.root_causes[i];
        std::string body;
        const std::optional<InvocationRef>& inv = rc.right ? rc.right : rc.left;
        if (inv) body += "invocation: " + display_command(inv->argv, 2000) + "\n";
        for (auto& f : rc.flags) body += "flag: " + f.text + "\n";
        for (auto& e : rc.env) body += "env: " + e.name + "\n";
        for (auto& d : rc.details) body += "fact: " + d + "\n";
        for (auto& p : rc.explains) body += "explains: " + p + "\n";
        ++failures;
        cases += fmt::format(
            "  <testcase classname=\"buildiff.{}\" name=\"root cause {}: {}\">\n"
            "    <failure type=\"{}\" message=\"{}\">{}</failure>\n  </testcase>\n",
            root_cause_kind_name(rc.kind), i + 1, xml(rc.summary), root_cause_kind_name(rc.kind),
            xml(rc.summary), xml(body));
    }
    if (r.root_causes.empty()) {
        std::string name =
            r.divergent ? fmt::format("{} divergent artifacts", r.summary.divergent_artifacts)
                        : std::string("the builds produce identical artifacts");
        cases += fmt::format(
            "  <testcase classname=\"buildiff.verdict\" name=\"{}\">{}</testcase>\n", xml(name),
            r.divergent ? "<failure type=\"divergent\" message=\"artifacts differ\"/>" : "");
        failures += r.divergent ? 1 : 0;
    }
    size_t tests = std::max<size_t>(1, r.root_causes.size());
    return fmt::format(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<testsuite name=\"buildiff diff {} vs {}\" tests=\"{}\" failures=\"{}\" "
        "errors=\"0\">\n{}</testsuite>\n",
        xml(r.left_name), xml(r.right_name), tests, failures, cases);
}

}  // namespace buildiff
