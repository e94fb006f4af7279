import { describe, expect, it } from "vitest";
import { inviteToken } from "./invite";

describe("inviteToken", () => {
  it("reads the token of an invite link and nothing else", () => {
    const token = "t-1." + "a".repeat(64);
    expect(inviteToken(`/invite/${token}`)).toBe(token);
    expect(inviteToken(`/invite/${token}/`)).toBe(token);
    expect(inviteToken("/")).toBeNull();
    expect(inviteToken("/invite/")).toBeNull();
    expect(inviteToken(`/x/invite/${token}`)).toBeNull();
  });
});
