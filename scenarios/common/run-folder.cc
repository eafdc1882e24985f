#include "run-folder.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#ifndef IKEV2_SOURCE_DIR
#define IKEV2_SOURCE_DIR "."
#endif

namespace scenarios
{

RunFolder::RunFolder(std::string directory)
  : m_directory(std::move(directory))
{
}

bool
RunFolder::Create(std::string& error)
{
    std::error_code ec;
    std::filesystem::create_directories(m_directory, ec);
    if (ec)
    {
        error = "cannot create " + m_directory + ": " + ec.message();
        return false;
    }
    return true;
}

std::string
RunFolder::Path(const std::string& name) const
{
    return m_directory + "/" + name;
}

const std::string&
RunFolder::Directory() const
{
    return m_directory;
}

bool
RunFolder::WriteJson(const std::string& name, const nlohmann::json& value) const
{
    std::ofstream f(Path(name), std::ios::binary | std::ios::trunc);
    if (!f)
    {
        return false;
    }
    f << value.dump(2) << '\n';
    return static_cast<bool>(f);
}

namespace
{

bool
RunCommand(const std::string& command, std::string& output)
{
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe)
    {
        return false;
    }
    char buf[256];
    output.clear();
    while (fgets(buf, sizeof(buf), pipe))
    {
        output += buf;
    }
    int status = pclose(pipe);
    while (!output.empty() && (output.back() == '\n' || output.back() == '\r'))
    {
        output.pop_back();
    }
    return status == 0;
}

} // namespace

std::string
CodeVersion()
{
    if (const char* v = std::getenv("IKEV2_CODE_VERSION"))
    {
        return v;
    }
    // Read-only queries; GIT_OPTIONAL_LOCKS=0 keeps git from refreshing the index file.
    std::string git = std::string("GIT_OPTIONAL_LOCKS=0 git -C '") + IKEV2_SOURCE_DIR + "' ";
    std::string head;
    if (!RunCommand(git + "rev-parse HEAD 2>/dev/null", head) || head.empty())
    {
        return "unknown";
    }
    std::string changes;
    RunCommand(git + "status --porcelain --untracked-files=no 2>/dev/null", changes);
    return changes.empty() ? head : head + "-dirty";
}

} // namespace scenarios
