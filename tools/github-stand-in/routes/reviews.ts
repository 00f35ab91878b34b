import {
  type Handler,
  integerParam,
  notFound,
  paginate,
  repositoryOf,
  requireWrite,
  stringOption,
  unprocessable
} from '../http.js'
import { timestamp, type Review, type ReviewState } from '../state.js'
import { pullOf } from './pulls.js'

const STATE_OF_EVENT: Record<string, ReviewState> = {
  APPROVE: 'APPROVED',
  REQUEST_CHANGES: 'CHANGES_REQUESTED',
  COMMENT: 'COMMENTED'
}

/** Submits a review at once (pending reviews, without `event`, are not modelled). */
const createReview: Handler = context => {
  const repository = repositoryOf(context)
  const pull = pullOf(context, repository, integerParam(context, 'pull_number'))
  const event = stringOption(context.body.event)
  const state = event === undefined ? undefined : STATE_OF_EVENT[event]
  if (state === undefined) throw unprocessable('The stand-in only accepts submitted reviews: set event')
  const body = stringOption(context.body.body) ?? ''
  const isAuthor = pull.author.toLowerCase() === context.user.login.toLowerCase()
  if (isAuthor && state === 'APPROVED') throw unprocessable('Can not approve your own pull request')
  if (isAuthor && state === 'CHANGES_REQUESTED') {
    throw unprocessable('Can not request changes on your own pull request')
  }
  if (state !== 'APPROVED' && body === '') {
    throw unprocessable(`Body is required when the event is ${event}`)
  }
  const commitId = stringOption(context.body.commit_id) ?? context.world.headSha(pull)
  if (context.world.git.get(commitId) === undefined)
    throw unprocessable(`No commit found for SHA: ${commitId}`)
  const review: Review = {
    id: context.world.newId(),
    pull: pull.number,
    author: context.user.login,
    state,
    body,
    commitId,
    submittedAt: timestamp()
  }
  repository.reviews.push(review)
  // Submitting a review fulfils that reviewer's review request, as on GitHub.
  pull.requestedUsers = pull.requestedUsers.filter(
    login => login.toLowerCase() !== review.author.toLowerCase()
  )
  return { status: 200, body: context.resources.review(repository, review) }
}

const listReviews: Handler = context => {
  const repository = repositoryOf(context)
  const pull = pullOf(context, repository, integerParam(context, 'pull_number'))
  const reviews = repository.reviews.filter(review => review.pull === pull.number)
  return paginate(context, reviews, review => context.resources.review(repository, review))
}

const dismissReview: Handler = context => {
  const repository = repositoryOf(context)
  requireWrite(context, repository)
  const pull = pullOf(context, repository, integerParam(context, 'pull_number'))
  const review = repository.reviews.find(
    candidate => candidate.pull === pull.number && candidate.id === integerParam(context, 'review_id')
  )
  if (review === undefined) throw notFound()
  if (review.state !== 'APPROVED' && review.state !== 'CHANGES_REQUESTED') {
    throw unprocessable(`Can not dismiss a ${review.state.toLowerCase()} pull request review`)
  }
  review.state = 'DISMISSED'
  return { status: 200, body: context.resources.review(repository, review) }
}

export const reviewHandlers: Record<string, Handler> = {
  'pulls/create-review': createReview,
  'pulls/list-reviews': listReviews,
  'pulls/dismiss-review': dismissReview
}
