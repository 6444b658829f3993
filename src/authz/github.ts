// oauth2-proxy's GitHub rules as a pure function of what the GitHub API said about the user:
//   --github-user   listed logins are let in whatever the other rules say;
//   --github-org    (alone) membership of the organisation;
//   --github-org + --github-team   membership of one of the teams of that organisation;
//   --github-team   (alone) one of the fully qualified `org:team` slugs;
//   --github-repo   without an org: push access (or pull access to a private repository), or, with
//                   --github-token, being a collaborator of the repository.
// Groups are the user's organisation logins and `org:team-slug` pairs.
import type { Decision } from './decide.js';

export interface GitHubRules {
  org: string;
  /** Comma-separated list, as given to --github-team. */
  team: string;
  repo: string;
  /** Whether --github-token is set (it switches the repository rule to a collaborator check). */
  hasToken: boolean;
  users: readonly string[];
}

export interface GitHubFacts {
  login: string;
  groups: readonly string[];
  /** Push access, or pull access to a private repository; asked only when needsRepoAccess. */
  repoAccess?: boolean;
  /** The collaborators API answered 204; asked only when needsCollaborator. */
  collaborator?: boolean;
}

const SEP = ':';

export function isListedUser(rules: GitHubRules, login: string): boolean {
  return rules.users.includes(login);
}

export function needsRepoAccess(rules: GitHubRules): boolean {
  return rules.org === '' && rules.repo !== '' && !rules.hasToken;
}

export function needsCollaborator(rules: GitHubRules): boolean {
  return rules.org === '' && rules.repo !== '' && rules.hasToken;
}

function teamsOf(rules: GitHubRules): string[] {
  return rules.team.split(',').map((t) => t.trim()).filter(Boolean);
}

function orgTeamReason(rules: GitHubRules, groups: readonly string[]): string | undefined {
  const orgLc = rules.org.toLowerCase();
  const wanted = teamsOf(rules).map((t) => t.toLowerCase());
  if (rules.org !== '' && rules.team !== '') {
    let inOrg = false;
    for (const g of groups) {
      const i = g.indexOf(SEP);
      if (i === -1) continue;
      if (g.slice(0, i).toLowerCase() !== orgLc) continue;
      inOrg = true;
      if (wanted.includes(g.slice(i + 1).toLowerCase())) return undefined;
    }
    return inOrg ? `user is in none of the teams ${rules.team} of GitHub organisation ${rules.org}` : `user is not a member of GitHub organisation ${rules.org}`;
  }
  if (rules.org !== '') {
    return groups.some((g) => !g.includes(SEP) && g.toLowerCase() === orgLc) ? undefined : `user is not a member of GitHub organisation ${rules.org}`;
  }
  if (rules.team !== '') {
    const bad = teamsOf(rules).find((t) => !t.includes(SEP));
    if (bad !== undefined) return `--github-team ${bad} must be written org:team-slug when --github-org is not set`;
    return groups.some((g) => g.includes(SEP) && wanted.includes(g.toLowerCase())) ? undefined : `user is in none of the teams ${rules.team}`;
  }
  return undefined;
}

export function decideGitHub(rules: GitHubRules, facts: GitHubFacts): Decision {
  if (rules.users.length > 0) {
    if (isListedUser(rules, facts.login)) return { allow: true, reasons: [] };
    if (rules.org === '' && rules.repo === '') return { allow: false, reasons: [`GitHub user ${facts.login} is not in --github-user`] };
  }
  const reasons: string[] = [];
  const orgTeam = orgTeamReason(rules, facts.groups);
  if (orgTeam !== undefined) reasons.push(orgTeam);
  else if (needsRepoAccess(rules) && facts.repoAccess !== true) reasons.push(`user has no push access to GitHub repository ${rules.repo}`);
  else if (needsCollaborator(rules) && facts.collaborator !== true) reasons.push(`user is not a collaborator of GitHub repository ${rules.repo}`);
  return { allow: reasons.length === 0, reasons };
}
