import type { ObjectId } from 'mongodb';

/** A candidate as stored, and what its mutations and list queries take. */
export interface CandidateDoc {
  _id: ObjectId;
  tenantId: ObjectId;
  name: string;
  email: string;
  emailLower: string;
  phone: string | null;
  location: string | null;
  headline: string | null;
  skills: string[];
  skillsLower: string[];
  yearsExperience: number;
  resumeText: string | null;
  createdAt: Date;
  updatedAt: Date;
  archivedAt: Date | null;
}

export type CandidateFields = Omit<
  CandidateDoc,
  '_id' | 'tenantId' | 'emailLower' | 'skillsLower' | 'createdAt' | 'updatedAt' | 'archivedAt'
>;

export interface CandidateQuery {
  search: RegExp | null;
  skills: string[];
  minYearsExperience: number | null;
  includeArchived: boolean;
}
