export { applyTopics, plannedTopics, type TopicChange, type TopicPlan } from './topics.ts';
