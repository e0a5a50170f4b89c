import type { ObjectId } from 'mongodb';

/** Jobs and applications as stored, and what job mutations take. */
export type JobStatus = 'OPEN' | 'CLOSED';
/** In the schema's order of ApplicationStage. */
export const STAGES = ['APPLIED', 'SCREENING', 'INTERVIEW', 'OFFER', 'HIRED', 'REJECTED'] as const;
export type Stage = (typeof STAGES)[number];

export interface JobDoc {
  _id: ObjectId;
  tenantId: ObjectId;
  title: string;
  description: string;
  requiredSkills: string[];
  niceToHaveSkills: string[];
  minYearsExperience: number;
  location: string | null;
  status: JobStatus;
  createdAt: Date;
  updatedAt: Date;
}
export type JobFields = Pick<
  JobDoc,
  'title' | 'description' | 'requiredSkills' | 'niceToHaveSkills' | 'minYearsExperience' | 'location'
>;

export interface ApplicationDoc {
  _id: ObjectId;
  tenantId: ObjectId;
  jobId: ObjectId;
  candidateId: ObjectId;
  stage: Stage;
  createdAt: Date;
  updatedAt: Date;
}
