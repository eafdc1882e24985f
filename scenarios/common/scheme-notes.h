// What each recovery scheme does in the model, one sentence each, for summary.json's
// `scheme_modelled` (so a reader of a run folder knows what was simulated).
#ifndef SCENARIOS_SCHEME_NOTES_H
#define SCENARIOS_SCHEME_NOTES_H

#include <string>
#include <vector>

namespace scenarios
{

/// The schemes a scenario accepts, in DESIGN.md order.
const std::vector<std::string>& SchemeNames();
/// One-sentence description of how @p scheme is modelled.
std::string SchemeModelledNote(const std::string& scheme);

} // namespace scenarios

#endif
